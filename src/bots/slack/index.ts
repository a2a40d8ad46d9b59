import pRetry, { AbortError } from 'p-retry';
import { App, SocketModeReceiver, webApi, type AuthorizeResult, type ReceiverEvent } from '@slack/bolt';
import type { EnvSettings } from '../../config/env.js';
import type { Bot, BotContext } from '../types.js';
import type { HealthStatus } from '../../core/health.js';
import type { Logger } from '../../util/logger.js';
import { settleWithin } from '../../util/abort.js';
import type { Deliver } from '../../engine/types.js';
import { AckGate } from '../ack.js';
import { SlackChatAdapter } from './adapter.js';
import { BotIdentity } from './identity.js';
import { SlackHttpReceiver, SLACK_EVENTS_PATH } from './http-receiver.js';
import { boltLogger } from './logger.js';
import { loopbackHostsOf } from './files.js';
import { registerListeners } from './events.js';

export { SlackChatAdapter, SLACK_UPLOAD_LIMIT_BYTES } from './adapter.js';
export { renderReply } from './blocks.js';
export { SLACK_EVENTS_PATH } from './http-receiver.js';

export type SlackMode = 'socket' | 'http';

export interface SlackBot extends Bot {
  readonly mode: SlackMode;
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
 * The Slack bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise the Events API at
 * POST /slack/events on the shared HTTP server. Never waits for Slack: the route is registered at
 * once and the identity check / socket connection retry in the background.
 */
export function createSlackBot(settings: EnvSettings['slack'], opts: { signatureMaxAgeSeconds: number }, logger: Logger): SlackBot {
  const { botToken, appToken, signingSecret, apiUrl } = settings;
  if (!botToken || (!appToken && !signingSecret)) {
    throw new Error(
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
  const adapter = new SlackChatAdapter(client, logger, { token: botToken, extraHosts: loopbackHostsOf(apiUrl) });
  const stopping = new AbortController();
  let app: App | undefined;
  let socketState: 'connecting' | 'connected' | 'failed' = 'connecting';
  let connectError: string | undefined;
  let started: Promise<void> = Promise.resolve();

  return {
    platform: 'slack',
    adapter,
    mode,
    ready: () => Promise.all([identity.known, started]).then(() => undefined),
    async start(ctx: BotContext, deliver: Deliver): Promise<void> {
      const receiver =
        mode === 'socket'
          ? new SocketModeReceiver({
              appToken: appToken as string,
              logger: blog,
              // Our own loop below retries connecting; the client's 100 built-in retries would hide a dead API.
              installerOptions: { clientOptions: { slackApiUrl, retryConfig: { retries: 0 } } },
            })
          : new SlackHttpReceiver({ http: ctx.http, signingSecret: signingSecret as string, logger, signatureMaxAgeSeconds: opts.signatureMaxAgeSeconds });
      // Every delivery Bolt processes, whichever receiver brought it, is work shutdown waits for;
      // it is acknowledged only once the event is stored (Slack sends it again otherwise).
      const gate = new AckGate();
      class TrackedApp extends App {
        override async processEvent(event: ReceiverEvent): Promise<void> {
          let response: unknown;
          const later = { ...event, ack: async (r?: unknown) => void (response = r) } as ReceiverEvent;
          if (await gate.stored(() => super.processEvent(later), (p) => ctx.background(p))) await event.ack(response as never);
          else logger.warn('slack event not stored in time (or refused): left unacknowledged, Slack will send it again');
        }
      }
      const bolt = new TrackedApp({
        receiver,
        logger: blog,
        clientOptions: { slackApiUrl },
        // The token is fixed; the ids come from the background auth.test (undefined until it answers).
        authorize: async (): Promise<AuthorizeResult> => ({ botToken, botUserId: identity.userId, botId: identity.botId, teamId: identity.team }),
      });
      app = bolt;
      bolt.error(async (err) => {
        logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'slack listener failed');
      });
      registerListeners(bolt, { deliver: gate.wrap(deliver), threads: ctx.threads, identity, access: { client } });
      identity.start();
      if (receiver instanceof SocketModeReceiver) {
        receiver.client.on('connected', () => (socketState = 'connected'));
        receiver.client.on('reconnecting', () => (socketState = 'connecting'));
        started = pRetry(
          async () => {
            try {
              await bolt.start();
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
        await bolt.start();
        logger.info({ path: SLACK_EVENTS_PATH }, 'slack events route ready');
      }
    },
    async stop() {
      stopping.abort();
      identity.stop();
      await settleWithin(app?.stop() ?? Promise.resolve(), AbortSignal.timeout(5_000));
    },
    async health(): Promise<HealthStatus> {
      if (identity.state === 'failed') return { name: 'slack', state: 'down', detail: `Slack refused SLACK_BOT_TOKEN (${identity.lastError}); install the app again and copy the new bot token.` };
      if (mode === 'socket' && socketState === 'failed') return { name: 'slack', state: 'down', detail: `Slack refused SLACK_APP_TOKEN (${connectError}); create an app-level token with connections:write.` };
      if (identity.state === 'pending') return { name: 'slack', state: 'degraded', detail: `Slack API not reachable yet (${identity.lastError ?? 'checking'}); retrying in the background.` };
      if (mode === 'socket' && socketState !== 'connected') return { name: 'slack', state: 'degraded', detail: 'Socket Mode is connecting to Slack; retrying in the background.' };
      return { name: 'slack', state: 'ok', detail: mode === 'socket' ? 'Connected to Slack in Socket Mode.' : `Receiving Slack events at ${SLACK_EVENTS_PATH}.` };
    },
  };
}
