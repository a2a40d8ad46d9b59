import { mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeEnv, type EnvSettings } from './config/env.js';
import { loadConfig, type AppConfig } from './config/load.js';
import { t, type Locale } from './i18n/index.js';
import { createImageBackends } from './providers/image/index.js';
import { LocalOperations } from './providers/image/local.js';
import type { HealthCheck, HealthStatus } from './core/health.js';
import { explainGenerator, explainParts, sentence, type Explained } from './core/availability.js';
import { readPartsState, type ModelDownloads } from './providers/segment/status.js';
import { errorMessage } from './util/errors.js';

/** One line of the report: a service, its state, what to do, and the variable that enables it. */
export interface DoctorLine extends HealthStatus {
  kind: 'service' | 'bot' | 'storage';
  /** Environment variable(s) that enable or fix it. */
  env?: string;
  /** A word for the state where the generic one would mislead ("not downloaded yet" rather than "not configured"). */
  status?: string;
}

const CHECK_TIMEOUT_MS = 10_000;


async function check(name: string, env: string | undefined, make: () => Promise<HealthCheck | DoctorLine | HealthStatus>): Promise<DoctorLine> {
  const t0 = Date.now();
  try {
    const made = await make();
    const status: HealthStatus & { status?: string } = 'health' in made ? await made.health(AbortSignal.timeout(CHECK_TIMEOUT_MS)) : made;
    return { kind: 'service', env, ...status, name: status.name || name };
  } catch (err) {
    return { kind: 'service', name, env, state: 'down', detail: `the check itself failed (${errorMessage(err).split('\n')[0]})`, latencyMs: Date.now() - t0 };
  }
}

const off = (name: string, env: string, detail: string): HealthStatus => ({ name, state: 'off', detail });

async function llmChecks(env: EnvSettings, given: AppConfig | undefined): Promise<DoctorLine[]> {
  const configured = describeEnv(env);
  // Loaded inside each check: a bad config file fails that check, not the whole report.
  const load = async () => {
    const [plan, { CommandLanguage }] = await Promise.all([import('./pipeline/plan/index.js'), import('./pipeline/commands/index.js')]);
    const config = given ?? loadConfig({ sections: ['commands', 'labels', 'llm', 'prompts', 'vocabulary'] });
    return { plan, sections: { env, language: CommandLanguage.fromConfig(config), llm: config.llm, prompts: config.prompts, vocabulary: config.vocabulary } };
  };
  return Promise.all([
    check('llm', 'OPENAI_API_KEY / OPENAI_BASE_URL, LLM_MODEL', async () => {
      if (!configured.llm) return off('llm', 'OPENAI_API_KEY', 'not configured: the offline interpreter plans edits; set OPENAI_API_KEY (or OPENAI_BASE_URL) and LLM_MODEL for an LLM');
      const { plan, sections } = await load();
      return plan.createPlanner(sections);
    }),
    check('vision', 'VISION_MODEL', async () => {
      if (!configured.vision) return off('vision', 'VISION_MODEL', 'not configured: suggestions use offline heuristics; set VISION_MODEL');
      const { plan, sections } = await load();
      return plan.createSuggester(sections);
    }),
  ]);
}

/** HealthStatus states of the parts model's situations: a fresh install is "off", a broken one "down". */
const PARTS_HEALTH = { 'not-downloaded': 'off', downloading: 'degraded', 'file-missing': 'down', failed: 'down', offline: 'down' } as const;

async function segmentationCheck(env: EnvSettings, locale: Locale, downloads: ModelDownloads | undefined, given: AppConfig | undefined): Promise<DoctorLine> {
  return check('segmentation', 'SEGMENT_MODEL_PATH / HF_ENDPOINT', async () => {
    const mod = await import('./providers/segment/index.js');
    const { models, images } = given ?? loadConfig({ sections: ['models', 'images'] });
    const name = mod.activeCardName(env, models);
    const parts = mod.readPartsState(env, models, downloads);
    // Every situation but "ready" is told the way chat, the status panel and the CLI tell it.
    if (parts.state !== 'ready') {
      return { name: `segmenter:${name}`, state: PARTS_HEALTH[parts.state], status: t(locale, `avail.status.${parts.state}`), detail: sentence(explainParts(parts, locale, 'operator')) };
    }
    const segmenter = mod.createSegmenter({ env, models, limits: images, downloads });
    try {
      return await segmenter.health(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    } finally {
      await segmenter.close().catch(() => {});
    }
  });
}

/** Content safety and the result check: what protects results, and what does not (README "Safety"). */
async function safetyLines(env: EnvSettings): Promise<DoctorLine[]> {
  try {
    const { safety, llm } = loadConfig({ sections: ['safety', 'llm'] });
    const { createModerator, createClassifier } = await import('./pipeline/safety/index.js');
    const { resolveVisionProfile } = await import('./providers/llm/profiles.js');
    const moderator = createModerator(env, safety);
    const classifier = moderator ? undefined : createClassifier(env, safety);
    const overrides = Object.values(safety.workspaces).reduce((n, table) => n + Object.keys(table).length, 0);
    const where = `level ${safety.level}, face swap ${safety.faceSwap}${overrides ? `, ${overrides} workspace override(s)` : ''}`;
    let content: DoctorLine;
    if (safety.level === 'off' && overrides === 0) content = { kind: 'service', name: 'content-safety', state: 'off', detail: 'level off: nothing is checked', env: 'CONFIG_FILE (safety.level)' };
    else if (moderator) content = { kind: 'service', name: 'content-safety', state: 'ok', detail: `${where}; OpenAI moderation (${moderator.model}) for instructions and results`, env: 'OPENAI_API_KEY' };
    else if (classifier) {
      const h = await classifier.health();
      content = { kind: 'service', name: 'content-safety', state: h.state === 'down' ? 'down' : 'ok', detail: `${where}; deny list for instructions, local classifier for results (${h.detail})`, env: 'CONFIG_FILE (safety.nsfw)' };
    } else {
      content = {
        kind: 'service',
        name: 'content-safety',
        state: 'degraded',
        detail: `${where}; deny list only: result images are not checked (strict refuses them) — set OPENAI_API_KEY or safety.nsfw.model`,
        env: 'OPENAI_API_KEY',
      };
    }
    const visionModel = resolveVisionProfile(env, llm)?.model;
    const mode = safety.check.mode;
    const check: DoctorLine =
      mode === 'off'
        ? { kind: 'service', name: 'result-check', state: 'off', detail: 'off: results are not checked', env: 'CONFIG_FILE (safety.check.mode)' }
        : mode === 'vision' && !visionModel
          ? { kind: 'service', name: 'result-check', state: 'degraded', detail: 'vision mode without VISION_MODEL: the local pixel check only', env: 'VISION_MODEL' }
          : { kind: 'service', name: 'result-check', state: 'ok', detail: mode === 'vision' ? `pixels and the vision model ${visionModel}` : 'pixels (local); safety.check.mode: vision adds a vision model', env: 'VISION_MODEL' };
    return [content, check];
  } catch (err) {
    return [{ kind: 'service', name: 'content-safety', state: 'down', detail: `the check itself failed (${errorMessage(err).split('\n')[0]})` }];
  }
}

function botLines(env: EnvSettings): DoctorLine[] {
  const d = describeEnv(env);
  const bot = (name: string, on: boolean, vars: string, mode?: string): DoctorLine => ({
    kind: 'bot',
    name,
    state: on ? 'ok' : 'off',
    detail: on ? `configured${mode ? ` (${mode})` : ''}` : `not configured: set ${vars}`,
    env: vars,
  });
  return [
    bot('discord-gateway', Boolean(d.discordGateway), 'DISCORD_TOKEN'),
    bot('discord-interactions', Boolean(d.discordInteractions), 'DISCORD_PUBLIC_KEY and DISCORD_APP_ID'),
    bot('slack', Boolean(d.slack), 'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)', String(d.slackMode)),
    bot('feishu', Boolean(d.feishu), 'FEISHU_APP_ID and FEISHU_APP_SECRET', String(d.feishuMode)),
    bot('redis', Boolean(d.redis), 'REDIS_URL (state and jobs are kept locally without it)'),
  ];
}

async function dataDirLine(dir: string, locale: Locale): Promise<DoctorLine> {
  const probe = path.join(dir, `.doctor-${process.pid}-${Date.now()}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'ok');
    await unlink(probe);
    return { kind: 'storage', name: 'data-dir', state: 'ok', detail: t(locale, 'doctor.data_dir_ok', { dir }), env: 'DATA_DIR' };
  } catch (err) {
    const detail = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    return { kind: 'storage', name: 'data-dir', state: 'down', detail: t(locale, 'doctor.data_dir_bad', { dir, detail }), env: 'DATA_DIR' };
  }
}

/**
 * Checks every configured service, like the thesis' "Check Server Status": used by `doctor`,
 * the playground's status panel and tests. Unconfigured services are "off" with the variable that
 * enables them; only configured services that fail count as down.
 */
export async function runDoctor(
  env: EnvSettings,
  locale: Locale = 'en',
  /** `downloads` and `config`: the running app's (the playground's status panel), so it reports what the app uses. */
  opts: { downloads?: ModelDownloads; config?: AppConfig } = {},
): Promise<DoctorReport> {
  const { backends, models } = opts.config ?? loadConfig({ sections: ['backends', 'models'] });
  const imageBackends = createImageBackends(env, backends);
  const images = imageBackends.map((b) => check(b.name, b.name === 'sd-webui' ? 'SD_WEBUI_URL' : 'OPENAI_API_KEY', async () => b));
  const lines = (
    await Promise.all([
      llmChecks(env, opts.config),
      Promise.all(images),
      segmentationCheck(env, locale, opts.downloads, opts.config),
      check('local', undefined, async () => new LocalOperations()),
      safetyLines(env),
      dataDirLine(env.dataDir, locale),
    ])
  ).flat();
  lines.push(...botLines(env));
  const down = lines.filter((l) => l.state === 'down').length;
  // What a user cannot do now, whatever the reason: the summary never says "everything works" then.
  const unavailable: Unavailable[] = [];
  const seg = lines.find((l) => l.name.startsWith('segmenter:') || l.name === 'segmentation');
  const parts = readPartsState(env, models, opts.downloads);
  if (parts.state !== 'ready') unavailable.push({ feature: 'parts', title: t(locale, 'avail.feature_parts'), ...explainParts(parts, locale, 'operator') });
  else if (seg && seg.state === 'down') unavailable.push({ feature: 'parts', title: t(locale, 'avail.feature_parts'), text: seg.detail });
  if (!imageBackends.some((b) => b.configured())) unavailable.push({ feature: 'generator', title: t(locale, 'avail.feature_generator'), ...explainGenerator(locale, 'operator') });
  return { lines, down, unavailable };
}

/** A feature a user cannot use now: what is the case and the one fix. */
export interface Unavailable extends Explained {
  feature: 'parts' | 'generator';
  title: string;
}

export interface DoctorReport {
  lines: DoctorLine[];
  /** Configured services that fail. */
  down: number;
  unavailable: Unavailable[];
}

/** The last line of `doctor`: "everything works" only when nothing is down and nothing is unavailable. */
export function doctorSummary(report: DoctorReport, locale: Locale): string {
  if (report.down > 0) return t(locale, 'doctor.summary_down', { count: report.down });
  if (report.unavailable.length === 0) return t(locale, 'avail.summary_all');
  return t(locale, 'avail.summary_missing', { features: report.unavailable.map((u) => u.title).join(locale === 'zh-CN' ? '、' : ', ') });
}
