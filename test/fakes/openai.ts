import type http from 'node:http';
import { sendJson, startFakeServer, type FakeRequest, type FakeServer } from './http.js';

/**
 * A loopback fake of the OpenAI chat completions API (non-streaming), for driving the real
 * `openai` SDK. Script it with a queue of replies (`fake.queue(...)`) or a handler function
 * (`fake.handle(fn)`); every request is recorded. Point the SDK at `fake.baseURL`.
 *
 *   const fake = await startOpenAIFake();
 *   fake.queue(reply.text('[{"command":"blur","paras":[["Background"]]}]'), reply.error(429, 'slow down', { 'retry-after': '0' }));
 */

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: unknown; [k: string]: unknown }[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  temperature?: number;
  [k: string]: unknown;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** A full response body; when absent one is built from content/refusal/finishReason. */
  body?: unknown;
  content?: string | null;
  refusal?: string | null;
  finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Wait this long before answering (to trigger client timeouts). */
  delayMs?: number;
  /** Destroy the connection without any answer. */
  hangUp?: boolean;
}

export type FakeHandler = (body: ChatRequestBody, ctx: { index: number; request: FakeRequest }) => FakeReply | Promise<FakeReply>;

export const reply = {
  text: (content: string, extra: Partial<FakeReply> = {}): FakeReply => ({ content, ...extra }),
  json: (value: unknown, extra: Partial<FakeReply> = {}): FakeReply => ({ content: JSON.stringify(value), ...extra }),
  refusal: (text = "I'm sorry, but I can't help with that."): FakeReply => ({ content: null, refusal: text }),
  error: (status: number, message = 'error', headers: Record<string, string> = {}, type = 'server_error'): FakeReply => ({
    status,
    headers,
    body: { error: { message, type, param: null, code: null } },
  }),
  rateLimited: (retryAfterSeconds: number | string): FakeReply => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
  }),
  slow: (delayMs: number, content = '[]'): FakeReply => ({ content, delayMs }),
  hangUp: (): FakeReply => ({ hangUp: true }),
};

export interface OpenAIFake {
  /** Base URL for the SDK (ends in /v1). */
  baseURL: string;
  server: FakeServer;
  /** Bodies of every chat completion request, in order. */
  chatRequests: ChatRequestBody[];
  requests: FakeRequest[];
  queue(...replies: FakeReply[]): void;
  handle(handler: FakeHandler | undefined): void;
  /** Replies still queued. */
  pending(): number;
  /** Forget queued replies, the handler and recorded requests (between tests). */
  reset(): void;
  close(): Promise<void>;
}

function completionBody(body: ChatRequestBody, r: FakeReply, index: number): unknown {
  return {
    id: `chatcmpl-fake-${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: r.content ?? null, refusal: r.refusal ?? null },
        logprobs: null,
        finish_reason: r.finishReason ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: r.usage?.prompt_tokens ?? 10,
      completion_tokens: r.usage?.completion_tokens ?? 5,
      total_tokens: (r.usage?.prompt_tokens ?? 10) + (r.usage?.completion_tokens ?? 5),
    },
  };
}

export async function startOpenAIFake(options: { handler?: FakeHandler; replies?: FakeReply[]; models?: string[] } = {}): Promise<OpenAIFake> {
  const replies: FakeReply[] = [...(options.replies ?? [])];
  let handler: FakeHandler | undefined = options.handler;
  const chatRequests: ChatRequestBody[] = [];
  const models = options.models ?? ['gpt-4o-mini'];

  const server = await startFakeServer(async (req, res: http.ServerResponse) => {
    if (req.method === 'GET' && req.path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
      return;
    }
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `fake: no route ${req.method} ${req.path}`, type: 'invalid_request_error' } });
      return;
    }
    const body = req.json as ChatRequestBody;
    const index = chatRequests.length;
    chatRequests.push(body);
    const r: FakeReply = handler
      ? await handler(body, { index, request: req })
      : (replies.shift() ?? reply.error(500, 'fake: no reply queued'));
    if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
    if (r.hangUp) {
      res.socket?.destroy();
      return;
    }
    if (res.destroyed || res.socket?.destroyed) return; // the client gave up (timeout)
    const status = r.status ?? 200;
    sendJson(res, status, r.body ?? completionBody(body, r, index), { 'x-request-id': `req_fake_${index}`, ...(r.headers ?? {}) });
  });

  return {
    baseURL: `${server.url}/v1`,
    server,
    chatRequests,
    requests: server.requests,
    queue: (...more) => void replies.push(...more),
    handle: (h) => void (handler = h),
    pending: () => replies.length,
    reset: () => {
      replies.length = 0;
      handler = options.handler;
      chatRequests.length = 0;
      server.requests.length = 0;
    },
    close: () => server.close(),
  };
}

/** The text of every message of a recorded request, joined (content parts included). */
export function messageText(message: { content: unknown }): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content.map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : '')).join('\n');
  }
  return '';
}
