import * as lark from '@larksuiteoapi/node-sdk';
import type { EnvSettings } from '../../config/env.js';
import type { HealthStatus } from '../../core/health.js';
import { t } from '../../i18n/index.js';
import type { Logger } from '../../util/logger.js';
import type { Bot } from '../types.js';
import { FeishuAdapter } from './adapter.js';
import { createLarkClient, isLarkDomain, resolveFeishuDomain, sdkLogger, TokenCache } from './client.js';
import { RedisWindowLimiter, WindowLimiter } from './chat-queue.js';
import { FeishuEventRouter } from './events.js';
import { createWebhookHandler } from './webhook.js';

export { FeishuAdapter, FEISHU_UPLOAD_LIMIT } from './adapter.js';
export { renderCard } from './card.js';
export { decryptFeishu, feishuSignature, verifyFeishuSignature } from './crypto.js';
export { resolveFeishuDomain } from './client.js';

/**
 * Feishu / Lark bot. Long connection (WSClient) by default: no public URL needed. With
 * FEISHU_MODE=webhook, POST /feishu/events and /feishu/card on the shared HTTP server, every
 * request proven by signature and token before the SDK's dispatcher sees it.
 */
export function createFeishuBot(settings: EnvSettings['feishu'], opts: { signatureMaxAgeSeconds: number; redisUrl?: string }, parentLogger: Logger): Bot {
  const logger = parentLogger.child({ bot: 'feishu' });
  const { appId, appSecret, encryptKey, verificationToken, mode } = settings;
  if (!appId || !appSecret) throw new Error(t('en', 'feishu.not_configured'));
  const domain = resolveFeishuDomain(settings.domain);
  const client = createLarkClient({ appId, appSecret, domain, logger });
  // The group send window (5 per second, shared by every bot in a group) is shared by every instance through Redis.
  const limiter = opts.redisUrl ? new RedisWindowLimiter(opts.redisUrl, logger) : new WindowLimiter();
  const adapter = new FeishuAdapter(client, logger, { limiter, appId });
  let router: FeishuEventRouter | undefined;
  let ws: lark.WSClient | undefined;
  let wsFailed = false;

  return {
    platform: 'feishu',
    adapter,
    async start(ctx, deliver) {
      router = new FeishuEventRouter({
        deliver,
        threads: ctx.threads,
        background: (work) => ctx.background(work),
        adapter,
        client,
        logger,
        defaultLocale: isLarkDomain(domain) ? 'en' : 'zh-CN',
      });
      const events = router;
      const dispatcher = new lark.EventDispatcher({
        encryptKey,
        verificationToken,
        cache: new TokenCache(),
        logger: sdkLogger(logger),
        loggerLevel: lark.LoggerLevel.info,
      }).register({
        'im.message.receive_v1': (data: unknown) => events.onMessage(data),
        'card.action.trigger': (data: unknown) => events.onCardAction(data),
      });
      void events.loadIdentity();
      if (mode === 'webhook') {
        if (!encryptKey && !verificationToken) logger.error(t('en', 'feishu.webhook_unprotected'));
        const handler = createWebhookHandler({
          encryptKey,
          verificationToken,
          signatureMaxAgeSeconds: opts.signatureMaxAgeSeconds,
          logger,
          dispatch: (payload) => dispatcher.invoke(payload, { needCheck: false }),
        });
        for (const path of ['/feishu/events', '/feishu/card']) {
          if (!ctx.http.has('POST', path)) ctx.http.route('POST', path, handler);
        }
      } else {
        // The SDK silently skips start() for an app id of the wrong shape; say so instead.
        if (!/^cli_[0-9a-fA-F]{16}$/.test(appId)) {
          wsFailed = true;
          logger.error({ appId }, 'FEISHU_APP_ID does not look like a Feishu app id (cli_ followed by 16 hex digits)');
        }
        ws = new lark.WSClient({
          appId,
          appSecret,
          domain,
          logger: sdkLogger(logger),
          loggerLevel: lark.LoggerLevel.info,
          autoReconnect: true,
          onReady: () => logger.info('feishu long connection open'),
          onError: (err: Error) => {
            wsFailed = true;
            logger.error({ err: err.message }, 'feishu long connection gave up');
          },
        });
        if (!wsFailed) await ws.start({ eventDispatcher: dispatcher });
      }
      logger.info({ mode, domain }, 'feishu bot started');
    },
    async stop() {
      router?.stop();
      ws?.close({ force: true });
      await adapter.close();
    },
    async health(): Promise<HealthStatus> {
      if (mode === 'webhook') {
        return encryptKey || verificationToken
          ? { name: 'feishu', state: 'ok', detail: t('en', 'feishu.webhook_ready') }
          : { name: 'feishu', state: 'down', detail: t('en', 'feishu.webhook_unprotected') };
      }
      const state = ws?.getConnectionStatus().state;
      if (state === 'connected') return { name: 'feishu', state: 'ok', detail: t('en', 'feishu.connected') };
      if (state === 'failed' || wsFailed) return { name: 'feishu', state: 'down', detail: t('en', 'feishu.connection_failed') };
      return { name: 'feishu', state: 'degraded', detail: t('en', 'feishu.connecting') };
    },
  };
}
