import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { Bot, BotContext } from '../types.js';
import type { ActionEvent, Deliver, IncomingMessage, ThreadRef } from '../../engine/types.js';
import type { HealthStatus } from '../../core/health.js';
import { explainGenerator, explainParts, type Capabilities } from '../../core/availability.js';
import { inspectImage, type ImageLimits } from '../../core/image-io.js';
import { resolveLocale, t, type Locale } from '../../i18n/index.js';
import type { RouteHandler, RouteResponse } from '../../server/http.js';
import { UserFacingError } from '../../util/errors.js';
import { authorized, playgroundAccess, tokenCookie } from './access.js';
import { WebAdapter } from './adapter.js';
import { renderPage } from './page.js';

const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;

/** A click from the page. */
const ActionBody = z.object({
  session: z.string().regex(SESSION_RE),
  actionId: z.string().min(1).max(100),
  values: z.array(z.union([z.string(), z.number()])).optional(),
  messageId: z.string().max(100).optional(),
  locale: z.string().max(20).optional(),
});
const MAX_UPLOAD = 60 * 1024 * 1024;
/** Longer instructions are refused with a sentence, never cut silently (a cut loses clauses). */
export const MAX_INSTRUCTION_CHARS = 20_000;

/** The playground's icon (no request of the page answers 404). */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#3056d3"/><circle cx="24" cy="26" r="8" fill="#fff"/><path d="M8 52l16-18 10 11 8-8 14 15z" fill="#fff"/></svg>`;

function threadOf(session: string): ThreadRef {
  return { platform: 'web', workspace: '', channel: 'playground', thread: session };
}

function pickLocale(query: URLSearchParams, acceptLanguage: string | undefined): Locale {
  const lang = query.get('lang');
  if (lang) return resolveLocale(lang);
  return resolveLocale(acceptLanguage?.split(',')[0]?.trim());
}

/** The status panel's lines (the app passes `doctor`, which checks every configured service). */
export type StatusLines = (locale: Locale) => Promise<unknown[]>;

/**
 * The local playground: a chat page at `/` driven by the same engine as the bots, through a
 * WebAdapter that streams replies over Server-Sent Events.
 */
export interface WebBotOptions {
  status: StatusLines;
  /** What can run now (the parts model's download, a generator): the page's readiness line reads it. */
  availability?: () => Capabilities;
  /** The address the server listens on: the playground is off beyond loopback without a token. */
  host: string;
  /** PLAYGROUND_TOKEN: when set, every playground request must carry it. */
  token?: string;
  /** Uploads are checked against these before they are kept. */
  limits: ImageLimits;
  /** Bytes of photos the playground keeps in memory (uploads and results; the oldest go first). */
  imageBudgetBytes?: number;
}

export function createWebBot(opts: WebBotOptions): Bot & { adapter: WebAdapter } {
  const adapter = new WebAdapter(undefined, opts.imageBudgetBytes);
  const access = playgroundAccess(opts.host, opts.token);
  return {
    platform: 'web',
    adapter,
    async start(ctx, deliver) {
      if (!access.enabled) {
        ctx.logger.warn({ host: opts.host }, t('en', 'web.off_without_token'));
        return;
      }
      if (access.token) ctx.logger.info('the playground requires PLAYGROUND_TOKEN: open /?token=<token> once in the browser');
      adapter.useState(ctx.state);
      routes(ctx, deliver, adapter, opts, access.token);
    },
    async stop() {
      adapter.closeAll();
    },
    async health(): Promise<HealthStatus> {
      return access.enabled ? { name: 'playground', state: 'ok', detail: 'serving' } : { name: 'playground', state: 'off', detail: t('en', 'web.off_without_token') };
    },
  };
}

function routes(ctx: BotContext, deliver: Deliver, adapter: WebAdapter, opts: WebBotOptions, token: string | undefined): void {
  const { logger } = ctx;
  /** The engine could not store it (shutting down): the page says so; sending again later works. */
  const notTaken = (err: unknown, locale: string): RouteResponse => {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'playground event not taken');
    return { status: 503, headers: { 'retry-after': '30' }, body: { error: t(resolveLocale(locale), 'ops.restarting') } };
  };
  const { status } = opts;
  // Every playground route checks the token first (when one is set).
  const http = {
    route: (method: string, path: string, handler: RouteHandler, options?: Parameters<typeof ctx.http.route>[3]) =>
      ctx.http.route(
        method,
        path,
        (req) => {
          if (authorized(req, token)) return handler(req);
          const locale = pickLocale(req.query, req.headers['accept-language']);
          if (path === '/') return { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: t(locale, 'web.token_required') };
          return { status: 401, body: { error: t(locale, 'web.token_required') } };
        },
        options,
      ),
  };

  http.route('GET', '/', ({ query, headers }): RouteResponse => {
    // Opened once with ?token=: the browser keeps it as a cookie and the address bar loses it.
    if (token && query.get('token')) {
      const rest = new URLSearchParams(query);
      rest.delete('token');
      return { status: 303, headers: { location: `/${rest.size ? `?${rest}` : ''}`, 'set-cookie': tokenCookie(token), 'cache-control': 'no-store' } };
    }
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: renderPage(pickLocale(query, headers['accept-language'])) };
  });

  http.route('GET', '/api/events', async ({ query, res, headers }) => {
    const session = query.get('session') ?? '';
    if (!SESSION_RE.test(session)) return { status: 400, body: { error: 'session id required' } };
    const since = Number(headers['last-event-id'] ?? query.get('since') ?? 0) || 0;
    await adapter.subscribe(session, res, since);
  });

  http.route(
    'GET',
    '/api/images/',
    async ({ path }) => {
      const img = await adapter.image(path.slice('/api/images/'.length));
      if (!img) return { status: 404, body: { error: 'image expired; send the photo again' } };
      return { status: 200, headers: { 'content-type': img.mimeType, 'cache-control': 'private, max-age=3600' }, body: img.data };
    },
    { prefix: true },
  );

  http.route(
    'POST',
    '/api/message',
    async ({ headers, body, query }) => {
      const form = await new Request('http://playground/api/message', {
        method: 'POST',
        headers: { 'content-type': headers['content-type'] ?? '' },
        body,
      })
        .formData()
        .catch(() => undefined);
      if (!form) return { status: 400, body: { error: 'expected multipart/form-data' } };
      const session = String(form.get('session') ?? '');
      if (!SESSION_RE.test(session)) return { status: 400, body: { error: 'session id required' } };
      const text = String(form.get('text') ?? '');
      // The page names its message, so a resend after a failed answer is the same event.
      const rawClientId = String(form.get('clientId') ?? '');
      const clientId = SESSION_RE.test(rawClientId) ? rawClientId : randomUUID().replace(/-/g, '');
      const locale = String(form.get('locale') ?? '') || pickLocale(query, headers['accept-language']);
      if (text.length > MAX_INSTRUCTION_CHARS) return { status: 413, body: { error: t(resolveLocale(locale), 'web.too_long', { max: MAX_INSTRUCTION_CHARS }) } };
      const images: IncomingMessage['images'] = [];
      const otherFiles: string[] = [];
      const uploaded: string[] = [];
      for (const value of form.getAll('images')) {
        if (typeof value === 'string') continue;
        const data = Buffer.from(await value.arrayBuffer());
        if (value.type && !value.type.startsWith('image/')) {
          otherFiles.push(value.name);
          continue;
        }
        // A photo the engine would refuse is never kept: only why it was refused is.
        const refusal = await inspectImage(data, opts.limits).then(
          () => undefined,
          (err: unknown) => (err instanceof UserFacingError ? err : new UserFacingError('image.not_image', {}, { cause: err })),
        );
        if (refusal) {
          images.push({ ...adapter.refuse(refusal), name: value.name, mimeType: value.type, size: data.length });
          continue;
        }
        const id = await adapter.keepImage(data, value.type || 'application/octet-stream');
        uploaded.push(id);
        images.push({ id, name: value.name, mimeType: value.type, size: data.length });
      }
      let points: IncomingMessage['points'];
      const rawPoints = form.get('points');
      if (typeof rawPoints === 'string' && rawPoints) {
        try {
          const parsed = JSON.parse(rawPoints) as unknown;
          if (Array.isArray(parsed)) {
            points = parsed
              .filter((p): p is { x: number; y: number } => typeof p?.x === 'number' && typeof p?.y === 'number' && p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)
              .slice(0, 50)
              .map((p) => ({ x: p.x, y: p.y }));
          }
        } catch {
          points = undefined;
        }
      }
      const message: IncomingMessage = {
        platform: 'web',
        eventId: `${session}:${clientId}`,
        thread: threadOf(session),
        user: { id: `web:${session}`, name: 'you' },
        locale,
        text,
        images,
        otherFiles,
        points: points?.length ? points : undefined,
        receivedAt: Date.now(),
      };
      const urls = uploaded.map((id) => `/api/images/${id}`);
      // The thread keeps the user's side too; the engine's replies follow it over the event stream.
      await adapter.recordUser(session, `u_${clientId}`, text, urls);
      // Answered once the engine has stored the message.
      const refused = await deliver({ kind: 'message', message }).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (refused) return notTaken(refused, locale);
      return { status: 202, body: { accepted: true, id: `u_${clientId}`, images: urls } };
    },
    { maxBodyBytes: MAX_UPLOAD },
  );

  http.route('POST', '/api/action', async ({ body }) => {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'expected JSON' } };
    }
    const parsed = ActionBody.safeParse(raw);
    if (!parsed.success) return { status: 400, body: { error: 'session and actionId required' } };
    const payload = parsed.data;
    const session = payload.session;
    const actionId = payload.actionId;
    const action: ActionEvent = {
      platform: 'web',
      eventId: randomUUID(),
      thread: threadOf(session),
      user: { id: `web:${session}`, name: 'you' },
      locale: payload.locale,
      actionId,
      values: payload.values?.map(String).slice(0, 25),
      message: payload.messageId ? { platform: 'web', channel: 'playground', thread: session, id: payload.messageId } : undefined,
    };
    const refused = await deliver({ kind: 'action', action }).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (refused) return notTaken(refused, payload.locale ?? 'en');
    return { status: 202, body: { accepted: true } };
  });

  // The readiness line: what is not available yet and the one fix (the page polls it while a model downloads).
  http.route('GET', '/api/availability', ({ query, headers }) => {
    const locale = pickLocale(query, headers['accept-language']);
    const caps = opts.availability?.();
    if (!caps) return { status: 200, body: { ready: true } };
    const parts = explainParts(caps.parts, locale, 'operator');
    return {
      status: 200,
      body: {
        ready: caps.parts.state === 'ready',
        parts: { state: caps.parts.state, ...parts },
        generator: caps.generator ? { available: true } : { available: false, ...explainGenerator(locale, 'operator') },
      },
    };
  });

  for (const icon of ['/favicon.ico', '/favicon.svg']) {
    ctx.http.route('GET', icon, () => ({ status: 200, headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }, body: FAVICON }));
  }

  http.route('GET', '/api/status', async ({ query, headers }) => ({ status: 200, body: { checks: await status(pickLocale(query, headers['accept-language'])) } }));
}

export { WebAdapter };
