import { REST, type Client } from 'discord.js';
import { loadConfig } from '../../config/load.js';
import { t } from '../../i18n/index.js';
import type { HealthStatus } from '../../core/health.js';
import type { BotContext, BotHandle, StartBot } from '../types.js';
import { attachmentHostPolicy } from './attachments.js';
import { inviteUrl } from './commands.js';
import { attachGatewayHandlers, createGatewayClient } from './gateway.js';
import { INTERACTIONS_PATH, registerInteractionsRoute } from './http-mode.js';
import { InteractionHandler } from './interactions.js';
import { DiscordMessenger, loggableError } from './messenger.js';
import { DiscordAdapter } from './adapter.js';
import { discordPublicKey } from './verify.js';

export { commandDefinitions, inviteUrl, BOT_PERMISSIONS } from './commands.js';
export { INTERACTIONS_PATH } from './http-mode.js';

const RETRY_DELAYS_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

function maxDownloadBytes(): number {
  try {
    return loadConfig({ sections: ['images'] }).images.maxBytes;
  } catch {
    return 50 * 1024 * 1024;
  }
}

/**
 * Starts Discord: the gateway client when DISCORD_TOKEN is set, the interactions endpoint when
 * DISCORD_PUBLIC_KEY and DISCORD_APP_ID are set (both may run). Never blocks on the network: the
 * route is registered at once and the gateway logs in (and retries) in the background.
 */
export const startDiscordBot: StartBot = async (ctx: BotContext): Promise<BotHandle> => {
  const { env, engine, http } = ctx;
  const logger = ctx.logger;
  const { token, appId, publicKey, apiUrl } = env.discord;
  const httpMode = Boolean(publicKey && appId);
  let stopped = false;

  let client: Client | undefined = token ? createGatewayClient(apiUrl) : undefined;
  const rest = client?.rest ?? new REST({ version: '10', ...(apiUrl ? { api: apiUrl } : {}) });
  const messenger = new DiscordMessenger(rest, Boolean(token));
  const allowedUrl = attachmentHostPolicy(apiUrl);
  const maxBytes = maxDownloadBytes();
  const handler = new InteractionHandler({ engine, messenger, logger, allowedUrl, maxDownloadBytes: maxBytes });

  if (httpMode) {
    registerInteractionsRoute(http, { publicKey: discordPublicKey(publicKey!), handler, logger, isStopped: () => stopped });
    logger.info({ path: INTERACTIONS_PATH }, 'discord: interactions endpoint ready');
  }
  if (appId) logger.info(t('en', 'discord.invite', { url: inviteUrl(appId) }));

  let lastLoginError: string | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let messageContent = true;
  let intentRefused = false;

  const startGateway = (c: Client): void => {
    client = c;
    messenger.useRest(c.rest);
    attachGatewayHandlers({
      client: c,
      engine,
      messenger,
      handler,
      logger,
      allowedUrl,
      maxDownloadBytes: maxBytes,
      onDisallowedIntents: () => void (intentRefused = true),
    });
    c.once('clientReady', (ready: Client<true>) => {
      logger.info({ user: ready.user.tag, messageContent }, 'discord: gateway connected');
      if (!appId) logger.info(t('en', 'discord.invite', { url: inviteUrl(ready.application.id) }));
      // With the bot token the engine can now report jobs a previous process left unfinished.
      void engine.registerAdapter?.(new DiscordAdapter(messenger))?.catch((err: unknown) => logger.warn({ err: loggableError(err) }, 'discord: could not report interrupted jobs'));
    });
    login(c, 0);
  };

  const login = (c: Client, attempt: number): void => {
    if (stopped || c !== client) return;
    c.login(token).then(
      () => {
        lastLoginError = undefined;
      },
      (err: unknown) => {
        lastLoginError = err instanceof Error ? err.message : String(err);
        if (stopped || c !== client) return;
        if (messageContent && (intentRefused || /disallowed intent/i.test(lastLoginError))) {
          // Keep the bot usable: without Message Content, follow-ups in a thread need a mention.
          messageContent = false;
          logger.error(
            'discord: Discord refused the Message Content intent. Enable "Message Content Intent" (developer portal → Bot → Privileged Gateway Intents) and restart; until then follow-up messages must mention the bot.',
          );
          startGateway(createGatewayClient(apiUrl, { messageContent: false }));
          return;
        }
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        logger.warn({ err: lastLoginError, retryInMs: delay }, 'discord: gateway login failed');
        retryTimer = setTimeout(() => login(c, attempt + 1), delay);
        retryTimer.unref();
      },
    );
  };
  if (client) startGateway(client);
  if (!client && !httpMode) {
    logger.warn('discord: set DISCORD_TOKEN (gateway) or DISCORD_PUBLIC_KEY and DISCORD_APP_ID (interactions endpoint) to enable Discord');
  }

  return {
    name: 'discord',
    async stop(): Promise<void> {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
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
};
