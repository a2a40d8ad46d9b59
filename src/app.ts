import { mkdirSync, accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEnv, describeEnv, type EnvSettings } from './config/env.js';
import { loadConfig, type AppConfig } from './config/load.js';
import { composeAvailability, composeEngineDeps } from './compose.js';
import type { AvailabilitySource, Capabilities } from './core/availability.js';
import { runDoctor } from './doctor.js';
import { createEngine, type Engine } from './engine/index.js';
import { ModelDownloads, ensureDefaultModelInBackground } from './providers/segment/index.js';
import { HttpServer } from './server/http.js';
import { registry, errorsTotal } from './util/metrics.js';
import { settleWithin, untilAborted } from './util/abort.js';
import { getLogger, type Logger } from './util/logger.js';
import { resolveLocale, t } from './i18n/index.js';
import type { Bot, BotContext } from './bots/types.js';
import { createDiscordBot } from './bots/discord/index.js';
import { createFeishuBot } from './bots/feishu/index.js';
import { createSlackBot } from './bots/slack/index.js';
import { createWebBot } from './bots/web/index.js';
import type { HealthStatus } from './core/health.js';

export interface RunningApp {
  url: string;
  http: HttpServer;
  engine: Engine;
  bots: Bot[];
  /** The model downloads of this process (the parts model at first start). */
  downloads: ModelDownloads;
  /** What can run now: the one source the engine, the playground, doctor and `serve` read. */
  availability: AvailabilitySource & { current(): Capabilities };
  /** engine.shutdownMs: `stop()` is done within this plus a few seconds, however slow the platforms are. */
  shutdownMs: number;
  stop(): Promise<void>;
}

/** ./data when it can be written, else a folder in HOME: `serve` must start from any directory. */
export function resolveDataDir(env: EnvSettings, raw: NodeJS.ProcessEnv, logger: Logger): string {
  const candidates = raw.DATA_DIR ? [env.dataDir] : [env.dataDir, path.join(os.homedir(), '.chat-image-editor')];
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch (err) {
      logger.warn({ dir, err: (err as Error).message }, 'data directory not writable');
    }
  }
  throw new Error(`No writable data directory (tried ${candidates.join(', ')}); set DATA_DIR to a writable folder.`);
}


/** The chat platforms, each enabled by its environment variables. */
const BOTS: { name: string; enabled: (e: EnvSettings) => boolean; create: (e: EnvSettings, c: AppConfig, log: Logger) => Bot }[] = [
  {
    name: 'discord',
    enabled: (e) => Boolean(e.discord.token || (e.discord.publicKey && e.discord.appId)),
    create: (e, c, log) => createDiscordBot(e.discord, { maxDownloadBytes: c.images.maxBytes, signatureMaxAgeSeconds: c.bots.signatureMaxAgeSeconds }, log),
  },
  { name: 'slack', enabled: (e) => Boolean(e.slack.botToken && (e.slack.appToken || e.slack.signingSecret)), create: (e, c, log) => createSlackBot(e.slack, c.bots, log) },
  { name: 'feishu', enabled: (e) => Boolean(e.feishu.appId && e.feishu.appSecret), create: (e, c, log) => createFeishuBot(e.feishu, { ...c.bots, redisUrl: e.redisUrl }, log) },
];

/**
 * Starts the HTTP server, the engine, every configured bot and the playground: the composition
 * root (config is loaded once, here). Never waits for input and never blocks on a download; bots
 * that cannot reach their platform keep retrying in the background while their routes answer.
 */
export async function startApp(options: { env?: NodeJS.ProcessEnv; port?: number; host?: string } = {}): Promise<RunningApp> {
  const rawEnv = options.env ?? process.env;
  const logger = getLogger();
  // Validate every section now: a bad file stops start-up with its name, key and expectation.
  const config = loadConfig({ env: rawEnv });
  const env = readEnv(rawEnv);
  env.dataDir = resolveDataDir(env, rawEnv, logger);
  // The segmentation model downloads in the background: whole-image edits work meanwhile, and part
  // edits asked for meanwhile wait for it.
  const downloads = new ModelDownloads();
  ensureDefaultModelInBackground({ env, models: config.models, logger, downloads });
  const availability = composeAvailability(env, config, downloads);
  if (options.port !== undefined) env.port = options.port;
  if (options.host !== undefined) env.host = options.host;

  const composed = composeEngineDeps(env, config, logger, { downloads, availability });
  const engine = await createEngine({
    env,
    config: config.engine,
    deps: composed.deps,
    imageLimits: { maxPixels: config.images.maxPixels, maxBytes: config.images.maxBytes },
    onClose: composed.close,
  });
  const http = new HttpServer();
  const ctx: BotContext = { http, logger, threads: engine, background: (work) => engine.background(work) };

  const limits = { maxPixels: config.images.maxPixels, maxBytes: config.images.maxBytes };
  const playground = createWebBot({
    status: async (locale) => (await runDoctor(env, locale, { downloads, config })).lines,
    availability: () => availability.current(),
    host: env.host,
    token: env.playgroundToken,
    limits,
  });
  const bots: Bot[] = [playground];
  for (const def of BOTS) {
    if (!def.enabled(env)) continue;
    try {
      bots.push(def.create(env, config, logger.child({ bot: def.name })));
    } catch (err) {
      errorsTotal.inc({ area: 'bot' });
      logger.error({ bot: def.name, err: (err as Error).message }, 'bot is misconfigured; the others keep running');
    }
  }
  for (const bot of bots) {
    try {
      engine.attach(bot.adapter);
      // Bots acknowledge an event only once `accept` has stored it in the inbox.
      await bot.start({ ...ctx, logger: logger.child({ bot: bot.platform }), state: engine.botState(bot.platform) }, engine.accept);
      void Promise.resolve(bot.ready?.()).then(() => engine.recover(bot.platform));
      logger.info({ bot: bot.platform }, 'bot started');
    } catch (err) {
      errorsTotal.inc({ area: 'bot' });
      logger.error({ bot: bot.platform, err: (err as Error).message }, 'bot failed to start; the others keep running');
    }
  }

  http.route('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': registry.contentType },
    body: await registry.metrics(),
  }));
  http.route('GET', '/readyz', async () => {
    // Shutting down: load balancers take this instance out at once (/healthz stays 200 until exit).
    if (!http.accepting) return { status: 503, body: { ready: false, checks: [{ name: 'app', state: 'down', detail: 'shutting down' }] } };
    const pending: Promise<HealthStatus | HealthStatus[]>[] = [engine.health(), ...bots.map((b) => b.health())];
    const settled = await Promise.all(
      pending.map((p) => untilAborted(p, AbortSignal.timeout(3000)).catch((err: unknown): HealthStatus => ({ name: 'check', state: 'down', detail: (err as Error).message }))),
    );
    const checks = settled.flat();
    const ready = checks.every((c) => c.state !== 'down');
    return { status: ready ? 200 : 503, body: { ready, checks } };
  });

  const address = await http.listen(env.host, env.port);
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  const shutdownMs = engine.config.shutdownMs;
  let stopping: Promise<void> | undefined;
  /**
   * Shutdown in a fixed order, bounded by engine.shutdownMs: 1. stop accepting (/readyz 503,
   * webhooks and the playground 503 with Retry-After; bots close their connections); 2.–5. the
   * engine stops taking jobs, lets running work finish until the deadline, abandons outside calls
   * and keeps what is unfinished for the next start, flushes, closes the store last; then the
   * HTTP server closes (/healthz answered 200 until then).
   */
  const stop = () =>
    (stopping ??= (async () => {
      const deadline = Date.now() + shutdownMs;
      logger.info({ shutdownMs }, 'shutting down: accepting nothing new, finishing running work');
      http.stopAccepting((req) => {
        const locale = resolveLocale(String(req.headers['accept-language'] ?? '').split(',')[0]?.trim());
        return { status: 503, headers: { 'retry-after': '30' }, body: { error: t(locale, 'ops.restarting') } };
      });
      await Promise.all(bots.map((b) => settleWithin(b.stop(), AbortSignal.timeout(Math.min(5_000, shutdownMs / 2)))));
      await Promise.all([engine.shutdown(deadline).catch((err: unknown) => logger.error({ err }, 'engine shutdown failed')), downloads.close()]);
      await settleWithin(http.close(), AbortSignal.timeout(1_000));
      logger.info('stopped');
    })());

  logger.info({ url, configured: describeEnv(env) }, 'chat-image-editor is serving');
  return { url, http, engine, bots, downloads, availability, shutdownMs, stop };
}

/** One line telling what else can be enabled, printed by `serve`. */
export function enableHint(env: EnvSettings): string {
  const missing: string[] = [];
  if (!env.openai.apiKey && !env.openai.baseUrl) missing.push('OPENAI_API_KEY or OPENAI_BASE_URL (LLM planner)');
  if (!env.openai.visionModel) missing.push('VISION_MODEL (suggestions)');
  if (!env.sdWebuiUrl) missing.push('SD_WEBUI_URL (generative edits)');
  if (!env.discord.token && !env.discord.publicKey) missing.push('DISCORD_TOKEN or DISCORD_PUBLIC_KEY+DISCORD_APP_ID');
  if (!env.slack.botToken) missing.push('SLACK_BOT_TOKEN + SLACK_APP_TOKEN or SLACK_SIGNING_SECRET');
  if (!env.feishu.appId) missing.push('FEISHU_APP_ID + FEISHU_APP_SECRET');
  return missing.length ? `Enable more with: ${missing.join('; ')}.` : 'Every integration is configured.';
}
