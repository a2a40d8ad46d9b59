import pRetry, { AbortError } from 'p-retry';
import { App, SocketModeReceiver, webApi, type AuthorizeResult, type ReceiverEvent } from '@slack/bolt';
import type { BotContext, BotHandle, StartBot } from '../types.js';
import type { HealthStatus } from '../../core/health.js';
import type { Logger } from '../../util/logger.js';
import type { EngineApi } from '../../engine/types.js';
import { SlackChatAdapter } from './adapter.js';
import { BotIdentity } from './identity.js';
import { RecentKeys } from './dedupe.js';
import { SlackHttpReceiver, SLACK_EVENTS_PATH } from './http-receiver.js';
import { boltLogger } from './logger.js';
import { MAX_DOWNLOAD_BYTES, loopbackHostsOf } from './files.js';
import {
  collectFiles,
  filesEarlierInThread,
  isUserPost,
  threadOf,
  toActionEvent,
  toIncomingMessage,
  type BlockAction,
  type BlockActionsBody,
  type FileAccess,
  type SlackMessageEvent,
} from './events.js';

export { SlackChatAdapter, SLACK_UPLOAD_LIMIT_BYTES } from './adapter.js';
export { renderReply } from './blocks.js';
export { signSlackRequest, verifySlackSignature } from './signature.js';
export { SLACK_EVENTS_PATH } from './http-receiver.js';

export type SlackMode = 'socket' | 'http';

export interface SlackBotHandle extends BotHandle {
  readonly mode: SlackMode | 'off';
  /** Resolves when every event received so far has been handled by the engine (tests, shutdown). */
  idle(): Promise<void>;
  /** Resolves once Socket Mode is connected (immediately in HTTP mode). */
  ready(): Promise<void>;
}

/** Web API base: SLACK_API_URL (tests, proxies) or Slack's, always with the trailing slash WebClient expects. */
export function slackApiBase(apiUrl: string | undefined): string {
  const base = apiUrl ?? 'https://slack.com/api/';
  return base.endsWith('/') ? base : `${base}/`;
}

const FATAL_CONNECT_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'not_allowed_token_type']);

/**
 * Starts the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise the Events API at
 * POST /slack/events on the shared HTTP server. Never waits for Slack: the route is registered at
 * once and the identity check / socket connection retry in the background.
 */
export const startSlackBot: StartBot = async (ctx: BotContext): Promise<SlackBotHandle> => {
  // serve already binds { bot: 'slack' } to this logger.
  const logger = ctx.logger;
  const { botToken, appToken, signingSecret, apiUrl } = ctx.env.slack;
  if (!botToken || (!appToken && !signingSecret)) {
    return offHandle(
      botToken
        ? 'Slack is off: set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP events).'
        : 'Slack is off: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET).',
    );
  }
  const mode: SlackMode = appToken ? 'socket' : 'http';
  const slackApiUrl = slackApiBase(apiUrl);
  const blog = boltLogger(logger);
  const client = new webApi.WebClient(botToken, { slackApiUrl, logger: blog, retryConfig: { retries: 3, factor: 2, minTimeout: 500 } });
  const identity = new BotIdentity(client, logger);

  const receiver =
    mode === 'socket'
      ? new SocketModeReceiver({
          appToken: appToken as string,
          logger: blog,
          // Our own loop below retries connecting; the client's 100 built-in retries would hide a dead API.
          installerOptions: { clientOptions: { slackApiUrl, retryConfig: { retries: 0 } } },
        })
      : new SlackHttpReceiver({ http: ctx.http, signingSecret: signingSecret as string, logger });

  // Every delivery Bolt processes is tracked, whichever receiver brought it, so idle()/stop() can wait for it.
  const deliveries = new Set<Promise<unknown>>();
  class TrackedApp extends App {
    override processEvent(event: ReceiverEvent): Promise<void> {
      const p = super.processEvent(event);
      const t: Promise<unknown> = p.catch(() => {}).finally(() => deliveries.delete(t));
      deliveries.add(t);
      return p;
    }
  }
  const app = new TrackedApp({
    receiver,
    logger: blog,
    clientOptions: { slackApiUrl },
    // The token is fixed; the ids come from the background auth.test (undefined until it answers).
    authorize: async (): Promise<AuthorizeResult> => ({ botToken, botUserId: identity.userId, botId: identity.botId, teamId: identity.team }),
  });
  app.error(async (err) => {
    logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'slack listener failed');
  });

  const adapter = new SlackChatAdapter(client, logger);
  const access: FileAccess = { client, token: botToken, extraHosts: loopbackHostsOf(apiUrl), maxBytes: MAX_DOWNLOAD_BYTES };
  const work = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const t = p.catch((err: unknown) => logger.error({ err }, 'slack engine call failed')).finally(() => work.delete(t));
    work.add(t);
    return t;
  };
  registerListeners(app, { engine: ctx.engine, adapter, identity, access, track, logger });

  identity.start();
  // Once the token is known to work the engine may report jobs a previous process left unfinished.
  void identity.known.then(() => ctx.engine.registerAdapter?.(adapter)).catch((err: unknown) => logger.warn({ err }, 'engine could not take the slack adapter'));
  const stopping = new AbortController();
  let socketState: 'connecting' | 'connected' | 'failed' = 'connecting';
  let connectError: string | undefined;
  let started: Promise<void>;
  if (receiver instanceof SocketModeReceiver) {
    receiver.client.on('connected', () => (socketState = 'connected'));
    receiver.client.on('reconnecting', () => (socketState = 'connecting'));
    started = pRetry(
      async () => {
        try {
          await app.start();
        } catch (err) {
          const code = (err as { data?: { error?: string } }).data?.error;
          connectError = code ?? (err instanceof Error ? err.message : String(err));
          if (code && FATAL_CONNECT_ERRORS.has(code)) throw new AbortError(code);
          throw err instanceof Error ? err : new Error(String(err));
        }
      },
      {
        retries: 1_000,
        minTimeout: 1_000,
        maxTimeout: 60_000,
        signal: stopping.signal,
        onFailedAttempt: (e) => logger.warn({ attempt: e.attemptNumber, error: e.message }, 'slack socket mode connect failed; retrying'),
      },
    ).then(
      () => {
        socketState = 'connected';
        logger.info('slack socket mode connected');
      },
      (err: unknown) => {
        if (stopping.signal.aborted) return;
        socketState = 'failed';
        logger.error({ error: connectError ?? String(err) }, 'slack socket mode refused the app token; check SLACK_APP_TOKEN');
      },
    );
  } else {
    await app.start();
    started = Promise.resolve();
    logger.info({ path: SLACK_EVENTS_PATH }, 'slack events route ready');
  }

  const idle = async () => {
    while (deliveries.size || work.size) await Promise.allSettled([...deliveries, ...work]);
  };

  return {
    name: 'slack',
    mode,
    idle,
    ready: () => started,
    async stop() {
      stopping.abort();
      identity.stop();
      await withTimeout(app.stop().catch(() => {}), 5_000);
      await withTimeout(idle(), 10_000);
    },
    async health(): Promise<HealthStatus> {
      if (identity.state === 'failed') return { name: 'slack', state: 'down', detail: `Slack refused SLACK_BOT_TOKEN (${identity.lastError}); install the app again and copy the new bot token.` };
      if (mode === 'socket' && socketState === 'failed') return { name: 'slack', state: 'down', detail: `Slack refused SLACK_APP_TOKEN (${connectError}); create an app-level token with connections:write.` };
      if (identity.state === 'pending') return { name: 'slack', state: 'degraded', detail: `Slack API not reachable yet (${identity.lastError ?? 'checking'}); retrying in the background.` };
      if (mode === 'socket' && socketState !== 'connected') return { name: 'slack', state: 'degraded', detail: 'Socket Mode is connecting to Slack; retrying in the background.' };
      return { name: 'slack', state: 'ok', detail: mode === 'socket' ? 'Connected to Slack in Socket Mode.' : `Receiving Slack events at ${SLACK_EVENTS_PATH}.` };
    },
  };
};

interface ListenerDeps {
  engine: EngineApi;
  adapter: SlackChatAdapter;
  identity: BotIdentity;
  access: FileAccess;
  track: (p: Promise<unknown>) => Promise<unknown>;
  logger: Logger;
}

function registerListeners(app: App, deps: ListenerDeps): void {
  const { engine, adapter, identity, access, track } = deps;
  const seen = new RecentKeys();

  const onMessage = async (body: Record<string, unknown>, event: SlackMessageEvent, kind: 'mention' | 'message') => {
    // The envelope names the bot user it was delivered to: good enough while auth.test has not answered.
    const botUserId = identity.userId ?? envelopeBotUser(body);
    if (!isUserPost(event, botUserId)) return;
    const team = String(body.team_id ?? identity.team ?? '');
    if (kind === 'message' && event.channel_type !== 'im') {
      // In channels the bot only listens without a mention inside threads it is already editing in.
      if (!event.thread_ts || event.thread_ts === event.ts) return;
      if (!(await engine.isActiveThread(threadOf(event, team)))) return;
    }
    const eventId = String(body.event_id ?? `${event.channel}:${event.ts}`);
    // One post can arrive twice (retry, or as app_mention and message): the first delivery wins.
    if (!seen.firstTime(`event:${eventId}`, `post:${event.channel}:${event.ts}`)) return;
    const thread = threadOf(event, team);
    let shared = event.files;
    if (kind === 'mention' && !shared?.length && event.thread_ts && !(await engine.isActiveThread(thread))) {
      shared = await filesEarlierInThread(access.client, event, botUserId);
    }
    const files = await collectFiles(shared, access);
    const message = toIncomingMessage(event, { eventId, team, botUserId, files });
    await engine.handleMessage(message, adapter);
  };

  app.event('app_mention', async ({ body, event }) => {
    await track(onMessage(body as unknown as Record<string, unknown>, event as unknown as SlackMessageEvent, 'mention'));
  });
  app.event('message', async ({ body, event }) => {
    await track(onMessage(body as unknown as Record<string, unknown>, event as unknown as SlackMessageEvent, 'message'));
  });
  app.action(/.*/, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const ev = toActionEvent(body as unknown as BlockActionsBody, action as unknown as BlockAction);
    if (!ev || !seen.firstTime(ev.eventId)) return;
    await track(engine.handleAction(ev, adapter));
  });
}

function envelopeBotUser(body: Record<string, unknown>): string | undefined {
  const auth = (body.authorizations as { user_id?: string; is_bot?: boolean }[] | undefined)?.[0];
  return auth?.is_bot ? auth.user_id : undefined;
}

function offHandle(detail: string): SlackBotHandle {
  return {
    name: 'slack',
    mode: 'off',
    idle: async () => {},
    ready: async () => {},
    stop: async () => {},
    health: async () => ({ name: 'slack', state: 'off', detail }),
  };
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()))]);
  clearTimeout(timer);
}
