import { accessSync, constants, mkdirSync } from 'node:fs';
import type { EnvSettings } from './config/env.js';
import type { HealthCheck, HealthStatus } from './providers/types.js';

const CHECK_TIMEOUT_MS = 8_000;

async function withTimeout(name: string, check: () => Promise<HealthStatus | HealthStatus[]>): Promise<HealthStatus[]> {
  const started = Date.now();
  try {
    const result = await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return (Array.isArray(result) ? result : [result]).map((r) => ({ latencyMs: Date.now() - started, ...r }));
  } catch (err) {
    return [{ name, state: 'down', detail: (err as Error).message, latencyMs: Date.now() - started }];
  }
}

/** Loads a provider module if this build has it; a missing module is reported, not thrown. */
async function optionalModule<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/**
 * Checks every configured service, like the thesis' "Check Server Status": the data folder, the
 * LLM planner, the vision model, the segmentation model, the image backends and which bots are
 * configured. Unconfigured services are "off" with the variable that enables them.
 */
export async function runDoctor(env: EnvSettings): Promise<HealthStatus[]> {
  const checks: Promise<HealthStatus[]>[] = [];

  checks.push(
    withTimeout('data-dir', async () => {
      mkdirSync(env.dataDir, { recursive: true });
      accessSync(env.dataDir, constants.W_OK);
      return { name: 'data-dir', state: 'ok', detail: `${env.dataDir} is writable` };
    }),
  );

  const llm = await optionalModule<{
    createPlanner(o: { env: EnvSettings }): HealthCheck;
    createSuggester(o: { env: EnvSettings }): HealthCheck;
  }>('./providers/llm/index.js');
  if (llm) {
    checks.push(withTimeout('planner', () => llm.createPlanner({ env }).health()));
    checks.push(withTimeout('vision', () => llm.createSuggester({ env }).health()));
  }

  const segment = await optionalModule<{ createSegmenter(o: { env: EnvSettings }): HealthCheck & { close?(): Promise<void> } }>(
    './providers/segment/index.js',
  );
  if (segment) {
    checks.push(
      withTimeout('segmenter', async () => {
        const s = segment.createSegmenter({ env });
        try {
          return await s.health();
        } finally {
          await s.close?.();
        }
      }),
    );
  }

  const execute = await optionalModule<{ createExecutor(o: { env: EnvSettings }): { backends(): HealthCheck[] } }>(
    './pipeline/execute/index.js',
  );
  if (execute) {
    checks.push(withTimeout('image-backends', async () => Promise.all(execute.createExecutor({ env }).backends().map((b) => b.health()))));
  }

  const bots: HealthStatus[] = [
    env.discord.token || env.discord.publicKey
      ? { name: 'discord', state: 'ok', detail: env.discord.token ? 'gateway configured' : 'interactions endpoint configured' }
      : { name: 'discord', state: 'off', detail: 'set DISCORD_TOKEN (gateway) or DISCORD_PUBLIC_KEY + DISCORD_APP_ID (interactions)' },
    env.slack.botToken && (env.slack.appToken || env.slack.signingSecret)
      ? { name: 'slack', state: 'ok', detail: env.slack.appToken ? 'Socket Mode configured' : 'HTTP events configured' }
      : { name: 'slack', state: 'off', detail: 'set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)' },
    env.feishu.appId && env.feishu.appSecret
      ? { name: 'feishu', state: 'ok', detail: `${env.feishu.mode === 'webhook' ? 'webhook' : 'long connection'} configured` }
      : { name: 'feishu', state: 'off', detail: 'set FEISHU_APP_ID and FEISHU_APP_SECRET' },
    env.redisUrl ? { name: 'redis', state: 'ok', detail: 'REDIS_URL set (shared state and queue)' } : { name: 'redis', state: 'off', detail: 'single-machine mode; set REDIS_URL to share state across instances' },
  ];

  const results = (await Promise.all(checks)).flat();
  return [...results, ...bots];
}
