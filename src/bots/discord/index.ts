import pRetry, { AbortError } from 'p-retry';
import { REST, type Client } from 'discord.js';
import type { EnvSettings } from '../../config/env.js';
import { t } from '../../i18n/index.js';
import type { HealthStatus } from '../../core/health.js';
import type { Logger } from '../../util/logger.js';
import type { Bot } from '../types.js';
import { DiscordAdapter } from './adapter.js';
import { attachmentHostPolicy } from './attachments.js';
import { inviteUrl } from './commands.js';
import { attachGatewayHandlers, createGatewayClient } from './gateway.js';
import { INTERACTIONS_PATH, registerInteractionsRoute } from './http-mode.js';
import { InteractionHandler } from './interactions.js';
import { DiscordMessenger, discordApiBase, loggableError } from './messenger.js';
import { discordPublicKey } from './verify.js';

export { commandDefinitions, inviteUrl, BOT_PERMISSIONS } from './commands.js';
export { INTERACTIONS_PATH } from './http-mode.js';

export interface DiscordBot extends Bot {
  readonly adapter: DiscordAdapter;
}

/**
 * Discord: the gateway client when DISCORD_TOKEN is set, the interactions endpoint when
 * DISCORD_PUBLIC_KEY and DISCORD_APP_ID are set (both may run). Never blocks on the network: the
 * route is registered at once and the gateway logs in (and retries) in the background.
 */
export function createDiscordBot(settings: EnvSettings['discord'], opts: { maxDownloadBytes: number; signatureMaxAgeSeconds: number }, logger: Logger): DiscordBot {
  const { token, appId, publicKey } = settings;
  const apiUrl = discordApiBase(settings.apiUrl);
  const httpMode = Boolean(publicKey && appId);
  const stopping = new AbortController();
  let client: Client | undefined = token ? createGatewayClient(apiUrl) : undefined;
  const messenger = new DiscordMessenger(client?.rest ?? new REST({ version: '10', ...(apiUrl ? { api: apiUrl } : {}) }), Boolean(token));
  const adapter = new DiscordAdapter(messenger, { allowedUrl: attachmentHostPolicy(apiUrl), maxBytes: opts.maxDownloadBytes });
  let lastLoginError: string | undefined;
  let messageContent = true;
  let intentRefused = false;

  return {
    platform: 'discord',
    adapter,
    async start(ctx, deliver) {
      const handler = new InteractionHandler({ deliver, adapter, messenger, logger });
      const background = <T>(work: Promise<T>) => ctx.background(work);
      if (httpMode) {
        registerInteractionsRoute(ctx.http, { publicKey: discordPublicKey(publicKey!), handler, logger, isStopped: () => stopping.signal.aborted, background, signatureMaxAgeSeconds: opts.signatureMaxAgeSeconds });
        logger.info({ path: INTERACTIONS_PATH }, 'discord: interactions endpoint ready');
      }
      if (appId) logger.info(t('en', 'discord.invite', { url: inviteUrl(appId) }));

      const startGateway = (c: Client): void => {
        client = c;
        messenger.useRest(c.rest);
        attachGatewayHandlers({ client: c, deliver, threads: ctx.threads, background, messenger, handler, logger, onDisallowedIntents: () => void (intentRefused = true) });
        c.once('clientReady', (ready: Client<true>) => {
          logger.info({ user: ready.user.tag, messageContent }, 'discord: gateway connected');
          if (!appId) logger.info(t('en', 'discord.invite', { url: inviteUrl(ready.application.id) }));
        });
        void pRetry(
          async () => {
            try {
              await c.login(token);
              lastLoginError = undefined;
            } catch (err) {
              lastLoginError = err instanceof Error ? err.message : String(err);
              // Without Message Content the bot stays usable: follow-ups in a thread then need a mention.
              if (messageContent && (intentRefused || /disallowed intent/i.test(lastLoginError))) throw new AbortError(lastLoginError);
              throw err;
            }
          },
          {
            forever: true,
            minTimeout: 2_000,
            factor: 2.5,
            maxTimeout: 60_000,
            signal: stopping.signal,
            shouldRetry: () => c === client,
            onFailedAttempt: (e) => logger.warn({ err: e.message, attempt: e.attemptNumber }, 'discord: gateway login failed'),
          },
        ).catch((err: unknown) => {
          if (stopping.signal.aborted || c !== client || !(err instanceof AbortError || /disallowed intent/i.test(String(err)))) return;
          messageContent = false;
          logger.error(
            'discord: Discord refused the Message Content intent. Enable "Message Content Intent" (developer portal → Bot → Privileged Gateway Intents) and restart; until then follow-up messages must mention the bot.',
          );
          startGateway(createGatewayClient(apiUrl, { messageContent: false }));
        });
      };
      if (client) startGateway(client);
      if (!client && !httpMode) {
        logger.warn('discord: set DISCORD_TOKEN (gateway) or DISCORD_PUBLIC_KEY and DISCORD_APP_ID (interactions endpoint) to enable Discord');
      }
    },
    async stop(): Promise<void> {
      stopping.abort();
      if (client) await client.destroy();
    },
    async health(): Promise<HealthStatus> {
      if (!client && !httpMode) return { name: 'discord', state: 'off', detail: 'Set DISCORD_TOKEN or DISCORD_PUBLIC_KEY + DISCORD_APP_ID to enable Discord.' };
      if (client && !client.isReady()) {
        return {
          name: 'discord',
          state: httpMode ? 'degraded' : 'down',
          detail: `The Discord gateway is not connected${lastLoginError ? ` (${lastLoginError})` : ''}; check DISCORD_TOKEN and the network.`,
        };
      }
      const modes = [client ? 'gateway' : '', httpMode ? `interactions endpoint ${INTERACTIONS_PATH}` : ''].filter(Boolean).join(' + ');
      return { name: 'discord', state: 'ok', detail: `Discord is connected (${modes}).`, ...(client ? { latencyMs: Math.max(0, client.ws.ping) } : {}) };
    },
  };
}
