import { verifySlackRequest, type App, type Receiver } from '@slack/bolt';
import { z } from 'zod';
import type { HttpServer, RouteRequest, RouteResponse } from '../../server/http.js';
import type { Logger } from '../../util/logger.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack waits 3 s for an answer; the app's own budget for storing the event is a little shorter. */
const ACK_WAIT_MS = 2_800;

export interface SlackHttpReceiverOptions {
  http: HttpServer;
  signingSecret: string;
  logger: Logger;
  /** Requests signed further than this from our clock are replays (Bolt's own check stops at 5 minutes). */
  signatureMaxAgeSeconds: number;
  path?: string;
}

/**
 * The shapes the bot reads, checked at the edge: an authentic but malformed body gets 400 instead
 * of a listener failing on it later. Everything else in a payload is Slack's to add.
 */
const SlackBody = z.union([
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string() }),
  z.looseObject({ ssl_check: z.string() }),
  z.looseObject({ type: z.literal('event_callback'), event: z.looseObject({ type: z.string() }) }),
  z.looseObject({
    type: z.literal('block_actions'),
    user: z.looseObject({ id: z.string() }),
    actions: z.array(z.looseObject({ action_id: z.string() })),
  }),
  // Other interactivity and slash commands: Bolt routes what it knows and acks the rest.
  z.looseObject({ type: z.string().refine((t) => !['event_callback', 'block_actions', 'url_verification'].includes(t)) }),
  z.looseObject({ command: z.string() }),
]);

/**
 * A Bolt receiver on the process' one HTTP server (Bolt's own receivers would open a second one).
 * It verifies the signature on the raw bytes, hands the body to Bolt and answers 200 when the app
 * acknowledges, which it does once the event is stored (within Slack's 3 s). A delivery that was
 * not stored in time is answered 503, so Slack sends it again.
 */
export class SlackHttpReceiver implements Receiver {
  private app?: App;
  private running = false;

  constructor(private readonly options: SlackHttpReceiverOptions) {
    const path = options.path ?? SLACK_EVENTS_PATH;
    if (!options.http.has('POST', path)) options.http.route('POST', path, (req) => this.handle(req));
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  private async handle(req: RouteRequest): Promise<RouteResponse> {
    if (!this.running || !this.app) return { status: 503, body: { error: 'slack receiver not running' } };
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > this.options.signatureMaxAgeSeconds) {
      this.options.logger.warn('slack request refused: stale or missing timestamp');
      return { status: 401, body: { error: 'invalid signature' } };
    }
    try {
      // Bolt's own check: HMAC-SHA256 over v0:timestamp:body, timing-safe.
      verifySlackRequest({
        signingSecret: this.options.signingSecret,
        body: req.body.toString('utf8'),
        headers: { 'x-slack-signature': header(req, 'x-slack-signature') ?? '', 'x-slack-request-timestamp': Number(header(req, 'x-slack-request-timestamp')) },
      });
    } catch (err) {
      this.options.logger.warn({ reason: err instanceof Error ? err.message : String(err) }, 'slack request refused: bad signature');
      return { status: 401, body: { error: 'invalid signature' } };
    }
    const body = parseBody(req);
    if (!body || !SlackBody.safeParse(body).success) {
      this.options.logger.warn('slack request refused: authentic but malformed body');
      return { status: 400, body: { error: 'unreadable body' } };
    }
    if (body.type === 'url_verification') return { status: 200, body: { challenge: String(body.challenge ?? '') } };
    if (body.ssl_check) return { status: 200 };

    const retry = header(req, 'x-slack-retry-num');
    let acked!: (response: unknown) => void;
    const answer = new Promise<{ response: unknown }>((resolve) => (acked = (response) => resolve({ response })));
    // The app acknowledges once the event is stored; its handling goes on afterwards (tracked for shutdown).
    void this.app
      .processEvent({
        body,
        ack: async (response?: unknown) => acked(response),
        retryNum: retry !== undefined && /^\d+$/.test(retry) ? Number(retry) : undefined,
        retryReason: header(req, 'x-slack-retry-reason'),
      })
      .catch((err: unknown) => this.options.logger.error({ err }, 'slack event processing failed'));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([answer, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ACK_WAIT_MS)))]);
    clearTimeout(timer);
    if (!outcome) return { status: 503, headers: { 'retry-after': '10' }, body: { error: 'not stored yet; send it again' } };
    const response = outcome.response;
    if (response === undefined || response === null || response === '') return { status: 200, body: '' };
    return { status: 200, body: typeof response === 'string' ? response : (response as object) };
  }
}

function header(req: RouteRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Events API posts JSON; interactivity and slash commands post forms (interactivity in `payload`). */
function parseBody(req: RouteRequest): Record<string, unknown> | undefined {
  const text = req.body.toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  try {
    if (type.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      if (payload !== null) return asObject(JSON.parse(payload));
      return Object.fromEntries(form.entries());
    }
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
