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

/** A recorded `POST /v1/moderations` body. */
export interface ModerationRequestBody {
  model?: string;
  input: string | string[] | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];
}

export interface ModerationFakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** A full response body; when absent one is built from flagged/categories/scores. */
  body?: unknown;
  /** Flagged categories (their scores default to 0.9). */
  categories?: string[];
  /** Scores to report (others are tiny); a category may score high without being flagged. */
  scores?: Record<string, number>;
  delayMs?: number;
  hangUp?: boolean;
}

export type ModerationHandler = (body: ModerationRequestBody, ctx: { index: number; request: FakeRequest }) => ModerationFakeReply | Promise<ModerationFakeReply>;

/** The categories omni-moderation-latest reports, and which inputs each applies to. */
export const MODERATION_CATEGORIES: Record<string, ('text' | 'image')[]> = {
  harassment: ['text'],
  'harassment/threatening': ['text'],
  hate: ['text'],
  'hate/threatening': ['text'],
  illicit: ['text'],
  'illicit/violent': ['text'],
  'self-harm': ['text', 'image'],
  'self-harm/intent': ['text', 'image'],
  'self-harm/instructions': ['text', 'image'],
  sexual: ['text', 'image'],
  'sexual/minors': ['text'],
  violence: ['text', 'image'],
  'violence/graphic': ['text', 'image'],
};

export const moderation = {
  clean: (): ModerationFakeReply => ({ categories: [] }),
  flagged: (categories: string[], scores: Record<string, number> = {}): ModerationFakeReply => ({ categories, scores }),
  /** Not flagged, but with some high scores (what `strict` looks at). */
  scored: (scores: Record<string, number>): ModerationFakeReply => ({ categories: [], scores }),
  error: (status: number, message = 'error'): ModerationFakeReply => ({ status, body: { error: { message, type: 'server_error', param: null, code: null } } }),
  hangUp: (): ModerationFakeReply => ({ hangUp: true }),
};

/** The texts and image URLs (data URLs) of a moderation request. */
export function moderationInputs(body: ModerationRequestBody): { texts: string[]; images: string[] } {
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of input) {
    if (typeof part === 'string') texts.push(part);
    else if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'image_url') images.push(part.image_url.url);
  }
  return { texts, images };
}

function moderationBody(body: ModerationRequestBody, r: ModerationFakeReply, index: number): unknown {
  const flagged = new Set(r.categories ?? []);
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  for (const name of Object.keys(MODERATION_CATEGORIES)) {
    categories[name] = flagged.has(name);
    scores[name] = r.scores?.[name] ?? (flagged.has(name) ? 0.9 : 0.0001);
  }
  return {
    id: `modr-fake-${index}`,
    model: body.model ?? 'omni-moderation-latest',
    results: [{ flagged: flagged.size > 0, categories, category_scores: scores, category_applied_input_types: MODERATION_CATEGORIES }],
  };
}

/** A whole-service failure: every route answers `status` (or the connection is dropped). */
export interface Outage {
  status?: number;
  hangUp?: boolean;
  /** Only these routes fail (default all). */
  routes?: ('chat' | 'moderations' | 'models')[];
}

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
  /** Bodies of every moderation request, in order. */
  moderationRequests: ModerationRequestBody[];
  /** Answers moderation requests (default: everything clean). */
  moderate(handler: ModerationHandler | undefined): void;
  /** Moderation answers used in order before the handler. */
  queueModeration(...replies: ModerationFakeReply[]): void;
  /** Starts (or with undefined ends) an outage. */
  outage(o: Outage | undefined): void;
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

export async function startOpenAIFake(options: { handler?: FakeHandler; replies?: FakeReply[]; models?: string[]; moderation?: ModerationHandler } = {}): Promise<OpenAIFake> {
  const replies: FakeReply[] = [...(options.replies ?? [])];
  let handler: FakeHandler | undefined = options.handler;
  const chatRequests: ChatRequestBody[] = [];
  const models = options.models ?? ['gpt-4o-mini'];
  const moderationRequests: ModerationRequestBody[] = [];
  const moderationReplies: ModerationFakeReply[] = [];
  let moderationHandler: ModerationHandler | undefined = options.moderation;
  let outage: Outage | undefined;

  const server = await startFakeServer(async (req, res: http.ServerResponse) => {
    const route = req.path === '/v1/chat/completions' ? 'chat' : req.path === '/v1/moderations' ? 'moderations' : req.path === '/v1/models' ? 'models' : undefined;
    if (outage && route && (!outage.routes || outage.routes.includes(route))) {
      if (outage.hangUp) return void res.socket?.destroy();
      sendJson(res, outage.status ?? 503, { error: { message: 'fake: service unavailable', type: 'server_error', param: null, code: null } });
      return;
    }
    if (req.method === 'POST' && route === 'moderations') {
      const body = req.json as ModerationRequestBody;
      const index = moderationRequests.length;
      moderationRequests.push(body);
      const r = moderationReplies.shift() ?? (moderationHandler ? await moderationHandler(body, { index, request: req }) : moderation.clean());
      if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
      if (r.hangUp) return void res.socket?.destroy();
      if (res.destroyed || res.socket?.destroyed) return;
      sendJson(res, r.status ?? 200, r.body ?? moderationBody(body, r, index), { 'x-request-id': `req_fake_mod_${index}`, ...(r.headers ?? {}) });
      return;
    }
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
    moderationRequests,
    moderate: (h) => void (moderationHandler = h),
    queueModeration: (...more) => void moderationReplies.push(...more),
    outage: (o) => void (outage = o),
    pending: () => replies.length,
    reset: () => {
      replies.length = 0;
      handler = options.handler;
      chatRequests.length = 0;
      moderationRequests.length = 0;
      moderationReplies.length = 0;
      moderationHandler = options.moderation;
      outage = undefined;
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
