import { mkdirSync, accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEnv, describeEnv, type EnvSettings } from './config/env.js';
import { loadConfig } from './config/load.js';
import { ensureDefaultModelInBackground } from './providers/segment/index.js';
import { HttpServer } from './server/http.js';
import { registry, errorsTotal } from './util/metrics.js';
import { getLogger, type Logger } from './util/logger.js';
import type { BotContext, BotHandle, StartBot } from './bots/types.js';
import type { EngineApi } from './engine/types.js';
import type { HealthStatus } from './core/health.js';

export interface RunningApp {
  url: string;
  http: HttpServer;
  engine: EngineApi;
  bots: BotHandle[];
  stop(): Promise<void>;
}

interface EngineLike extends EngineApi {
  close?(): Promise<void>;
  drain?(timeoutMs: number): Promise<void>;
  health?(): Promise<HealthStatus[]>;
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

const BOTS: { name: string; module: string; export: string; enabled: (e: EnvSettings) => boolean }[] = [
  { name: 'discord', module: './bots/discord/index.js', export: 'startDiscordBot', enabled: (e) => Boolean(e.discord.token || (e.discord.publicKey && e.discord.appId)) },
  { name: 'slack', module: './bots/slack/index.js', export: 'startSlackBot', enabled: (e) => Boolean(e.slack.botToken && (e.slack.appToken || e.slack.signingSecret)) },
  { name: 'feishu', module: './bots/feishu/index.js', export: 'startFeishuBot', enabled: (e) => Boolean(e.feishu.appId && e.feishu.appSecret) },
];

/**
 * Starts the HTTP server, the engine, every configured bot and the playground. Never waits for
 * input and never blocks on a download; bots that cannot reach their platform keep retrying in
 * the background while their webhook routes already answer.
 */
export async function startApp(options: { env?: NodeJS.ProcessEnv; port?: number; host?: string } = {}): Promise<RunningApp> {
  const rawEnv = options.env ?? process.env;
  const logger = getLogger();
  // Validate every section now: a bad file stops start-up with its name, key and expectation.
  const config = loadConfig({ env: rawEnv });
  const env = readEnv(rawEnv);
  env.dataDir = resolveDataDir(env, rawEnv, logger);
  // The segmentation model downloads in the background: whole-image edits work meanwhile.
  ensureDefaultModelInBackground({ env, models: config.models, logger });
  if (options.port !== undefined) env.port = options.port;
  if (options.host !== undefined) env.host = options.host;

  const http = new HttpServer();
  const engineModule = './engine/index.js';
  const { createEngine } = (await import(engineModule)) as { createEngine: (o: { env: EnvSettings }) => Promise<EngineLike> };
  const engine = await createEngine({ env });

  const bots: BotHandle[] = [];
  const ctx: BotContext = { env, engine, http, logger };

  try {
    const webModule = './bots/web/index.js';
    const web = (await import(webModule)) as { startWebPlayground?: StartBot };
    if (web.startWebPlayground) bots.push(await web.startWebPlayground(ctx));
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'playground unavailable');
  }

  for (const bot of BOTS) {
    if (!bot.enabled(env)) continue;
    try {
      const mod = (await import(bot.module)) as Record<string, StartBot | undefined>;
      const start = mod[bot.export];
      if (!start) throw new Error(`${bot.module} has no ${bot.export}`);
      bots.push(await start({ ...ctx, logger: logger.child({ bot: bot.name }) }));
      logger.info({ bot: bot.name }, 'bot started');
    } catch (err) {
      errorsTotal.inc({ area: 'bot' });
      logger.error({ bot: bot.name, err: (err as Error).message }, 'bot failed to start; the others keep running');
    }
  }

  http.route('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': registry.contentType },
    body: await registry.metrics(),
  }));
  http.route('GET', '/readyz', async () => {
    const checks: HealthStatus[] = [];
    const settle = async (p: Promise<HealthStatus | HealthStatus[]>) => {
      try {
        const r = await Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('health check timed out')), 3000))]);
        checks.push(...(Array.isArray(r) ? r : [r]));
      } catch (err) {
        checks.push({ name: 'check', state: 'down', detail: (err as Error).message });
      }
    };
    await Promise.all([...(engine.health ? [settle(engine.health())] : []), ...bots.map((b) => settle(b.health()))]);
    const ready = checks.every((c) => c.state !== 'down');
    return { status: ready ? 200 : 503, body: { ready, checks } };
  });

  const address = await http.listen(env.host, env.port);
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new work, finishing running jobs');
      await Promise.allSettled(bots.map((b) => b.stop()));
      if (engine.drain) await engine.drain(20_000).catch(() => undefined);
      await http.close();
      if (engine.close) await engine.close().catch(() => undefined);
    })());

  logger.info({ url, configured: describeEnv(env) }, 'chat-image-editor is serving');
  return { url, http, engine, bots, stop };
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
