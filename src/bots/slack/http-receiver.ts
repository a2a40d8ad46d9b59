import { verifySlackRequest, type App, type Receiver } from '@slack/bolt';
import type { HttpServer, RouteRequest, RouteResponse } from '../../server/http.js';
import type { Logger } from '../../util/logger.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackHttpReceiverOptions {
  http: HttpServer;
  signingSecret: string;
  logger: Logger;
  path?: string;
}

/**
 * A Bolt receiver on the process' one HTTP server (Bolt's own receivers would open a second one).
 * It verifies the signature on the raw bytes, answers Slack at once (Slack re-delivers anything not
 * answered within 3 s) and only then hands the body to Bolt, so slow work never delays the ack.
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

  private handle(req: RouteRequest): RouteResponse {
    if (!this.running || !this.app) return { status: 503, body: { error: 'slack receiver not running' } };
    try {
      // Bolt's own check: HMAC-SHA256 over v0:timestamp:body, timing-safe, five-minute window.
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
    if (!body) return { status: 400, body: { error: 'unreadable body' } };
    if (body.type === 'url_verification') return { status: 200, body: { challenge: String(body.challenge ?? '') } };
    if (body.ssl_check) return { status: 200 };

    const retry = header(req, 'x-slack-retry-num');
    // Answered below first; Bolt processes afterwards (the app tracks that work for shutdown).
    void this.app
      .processEvent({
        body,
        // Already answered below: Bolt's ack becomes a no-op.
        ack: async () => {},
        retryNum: retry !== undefined && /^\d+$/.test(retry) ? Number(retry) : undefined,
        retryReason: header(req, 'x-slack-retry-reason'),
      })
      .catch((err: unknown) => this.options.logger.error({ err }, 'slack event processing failed'));
    return { status: 200, body: '' };
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
