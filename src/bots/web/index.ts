import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { Bot, BotContext } from '../types.js';
import type { ActionEvent, Deliver, IncomingMessage, ThreadRef } from '../../engine/types.js';
import type { HealthStatus } from '../../core/health.js';
import { resolveLocale, type Locale } from '../../i18n/index.js';
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
export function createWebBot(opts: { status: StatusLines }): Bot & { adapter: WebAdapter } {
  const adapter = new WebAdapter();
  return {
    platform: 'web',
    adapter,
    start: async (ctx, deliver) => routes(ctx, deliver, adapter, opts.status),
    async stop() {
      adapter.closeAll();
    },
    async health(): Promise<HealthStatus> {
      return { name: 'playground', state: 'ok', detail: 'serving' };
    },
  };
}

function routes(ctx: BotContext, deliver: Deliver, adapter: WebAdapter, status: StatusLines): void {
  const { http, logger } = ctx;

  http.route('GET', '/', ({ query, headers }) => ({
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: renderPage(pickLocale(query, headers['accept-language'])),
  }));

  http.route('GET', '/api/events', ({ query, res, headers }) => {
    const session = query.get('session') ?? '';
    if (!SESSION_RE.test(session)) return { status: 400, body: { error: 'session id required' } };
    const since = Number(headers['last-event-id'] ?? query.get('since') ?? 0) || 0;
    adapter.subscribe(session, res, since);
  });

  http.route(
    'GET',
    '/api/images/',
    ({ path }) => {
      const img = adapter.image(path.slice('/api/images/'.length));
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
      const text = String(form.get('text') ?? '').slice(0, 4000);
      const locale = String(form.get('locale') ?? '') || pickLocale(query, headers['accept-language']);
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
        const id = adapter.keepImage(data, value.type || 'application/octet-stream');
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
        eventId: randomUUID(),
        thread: threadOf(session),
        user: { id: `web:${session}`, name: 'you' },
        locale,
        text,
        images,
        otherFiles,
        points: points?.length ? points : undefined,
        receivedAt: Date.now(),
      };
      // Answer the browser at once; the engine's replies arrive over the event stream.
      void deliver({ kind: 'message', message }).catch((err: unknown) => logger.error({ err }, 'playground message failed'));
      return { status: 202, body: { accepted: true, images: uploaded.map((id) => `/api/images/${id}`) } };
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
    void deliver({ kind: 'action', action }).catch((err: unknown) => logger.error({ err }, 'playground action failed'));
    return { status: 202, body: { accepted: true } };
  });

  http.route('GET', '/api/status', async ({ query, headers }) => ({ status: 200, body: { checks: await status(pickLocale(query, headers['accept-language'])) } }));
}

export { WebAdapter };
