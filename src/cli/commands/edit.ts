import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readEnv, describeEnv, type EnvSettings } from '../../config/env.js';
import { loadConfig, type AppConfig } from '../../config/load.js';
import { detectTextLocale, t, type Locale, type MessageKey } from '../../i18n/index.js';
import type { Command, Rejection } from '../../core/commands.js';
import { createExecutor, type ExecuteResult } from '../../pipeline/execute/index.js';
import { decodeLabelMap } from '../../core/labelmap-png.js';
import { presentLabels } from '../../pipeline/labelmap.js';
import { CommandLanguage } from '../../pipeline/commands/index.js';
import { activeLabels } from '../../providers/segment/cards.js';
import { encodeImage, formatForPath } from '../../pipeline/image/encode.js';
import type { LabelMap } from '../../core/types.js';
import { UsageError, UserFacingError, errorMessage } from '../../util/errors.js';
import { explainParts, sentence } from '../../core/availability.js';
import { EXIT } from '../exit.js';
import { cliLocale } from '../report.js';


// The planner is imported on demand (only without --commands), keeping `edit --commands` light.

async function readInput(file: string, locale: Locale): Promise<Buffer | number> {
  try {
    return await readFile(file);
  } catch (err) {
    process.stderr.write(`error: ${t(locale, 'edit.file_unreadable', { file, detail: (err as NodeJS.ErrnoException).code ?? errorMessage(err) })}\n`);
    return EXIT.unreadable;
  }
}

function parseCommandsJson(text: string, locale: Locale): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(t(locale, 'execute.bad_commands', { detail: errorMessage(err) }));
  }
  return Array.isArray(value) ? value : [value];
}

async function planCommands(env: EnvSettings, language: CommandLanguage, instruction: string, labels: readonly string[], offline: boolean, locale: Locale): Promise<{ commands: Command[]; rejected: Rejection[]; planner: string; fallbackReason?: MessageKey }> {
  const { createPlanner } = await import('../../pipeline/plan/index.js');
  const { llm, prompts, vocabulary } = loadConfig({ sections: ['llm', 'prompts', 'vocabulary'] });
  const planner = createPlanner({ env, language, llm, prompts, vocabulary, offline: offline || !describeEnv(env).llm });
  return planner.plan({ instruction, labels, locale });
}

async function segmentPhoto(env: EnvSettings, config: Pick<AppConfig, 'models' | 'images'>, image: Buffer, locale: Locale): Promise<LabelMap | undefined> {
  let segmenter: { segment(image: Buffer): Promise<LabelMap>; close(): Promise<void> } | undefined;
  try {
    const { createSegmenter, readPartsState } = await import('../../providers/segment/index.js');
    // Not there (not downloaded, downloading, a wrong path…): the same sentence and fix as doctor and the playground.
    const parts = readPartsState(env, config.models);
    if (parts.state !== 'ready') {
      process.stderr.write(`${sentence(explainParts(parts, locale, 'operator'))}\n`);
      return undefined;
    }
    segmenter = createSegmenter({ env, models: config.models, limits: config.images });
    return await segmenter.segment(image);
  } catch (err) {
    const reason = err instanceof UserFacingError ? t(locale, err.key, err.params) : errorMessage(err);
    process.stderr.write(`${t(locale, 'edit.segmentation_unavailable', { reason })}\n`);
    return undefined;
  } finally {
    await segmenter?.close().catch(() => {});
  }
}

function progressWriter(locale: Locale): (p: { fraction: number; stage: string }) => void {
  let last = -1;
  return (p) => {
    const percent = Math.round(p.fraction * 100);
    if (percent <= 0 || percent === last) return;
    last = percent;
    const line = t(locale, 'edit.progress', { stage: p.stage, percent });
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

/** `edit IMAGE "INSTRUCTION" -o OUT [--commands JSON] [--segmentation MAP.png] [--offline] [--json]` */
export async function run(args: string[], options: Record<string, unknown>): Promise<number> {
  const [imagePath, instruction = ''] = args;
  const out = options.output as string | undefined;
  const json = Boolean(options.json);
  const locale = cliLocale();
  if (!imagePath || !out) throw new UsageError('edit needs IMAGE, INSTRUCTION and -o OUT');
  const format = formatForPath(out);
  if (!format) throw new UsageError(t(locale, 'execute.output_format', { file: out }));

  // One-shot process: libvips' operation cache would only hold decoded 12 MP images in memory.
  sharp.cache(false);
  const env = readEnv();
  const config = loadConfig({ sections: ['images', 'models', 'commands', 'labels', 'templates', 'backends', 'params', 'masks'] });
  const limits = config.images;
  const modelLabels = activeLabels(env, config.models);
  const image = await readInput(imagePath, locale);
  if (typeof image === 'number') return image;

  let labelMap: LabelMap | undefined;
  if (typeof options.segmentation === 'string') {
    const png = await readInput(options.segmentation, locale);
    if (typeof png === 'number') return png;
    labelMap = await decodeLabelMap(png, modelLabels);
  }
  // The planner needs the parts present in the photo; explicit --commands are checked against the
  // model's labels only (a part that is absent is reported by the executor), saving a 12 MP pass.
  const available = () => (labelMap ? presentLabels(labelMap) : modelLabels);

  let commands: Command[];
  let rejected: Rejection[] = [];
  let planner = 'commands';
  let planFallback: MessageKey | undefined;
  const lang = CommandLanguage.fromConfig(config, { modelLabels });
  if (typeof options.commands === 'string') {
    const parsed = lang.validate(parseCommandsJson(options.commands, locale), { labels: modelLabels });
    if (parsed.commands.length === 0) {
      throw new UsageError(t(locale, 'execute.bad_commands', { detail: parsed.rejected.map((r) => r.reason).join('; ') || 'empty list' }));
    }
    commands = lang.mergeAndSort(parsed.commands);
    rejected = parsed.rejected;
  } else {
    const plan = await planCommands(env, lang, instruction, available(), Boolean(options.offline), detectTextLocale(instruction, locale));
    commands = plan.commands;
    rejected = plan.rejected;
    planner = plan.planner;
    planFallback = plan.fallbackReason;
  }
  for (const r of rejected) process.stderr.write(`rejected: ${r.reason}\n`);
  if (planFallback) process.stderr.write(`${t(locale, 'edit.fallback', { reason: t(locale, planFallback) })}\n`);
  if (commands.length === 0) {
    // Read fine, nothing valid: an answer, not a failure (README "Exit codes", like plan and parse).
    process.stderr.write(`${t(locale, 'edit.no_commands')}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ output: null, commands: [], rejected: rejected.map(({ item, reason }) => ({ item, reason })), planner })}\n`);
    return EXIT.ok;
  }

  const executor = createExecutor({ env, config, limits });
  if (!labelMap && executor.needsSegmentation(commands)) labelMap = await segmentPhoto(env, config, image, locale);

  const result = await executor.execute({ image, labelMap, commands, onProgress: json ? undefined : progressWriter(locale) });
  if (!json && process.stderr.isTTY) process.stderr.write('\n');
  reportNotes(result, lang, locale);
  const summary = {
    output: null as string | null,
    format,
    width: result.image.width,
    height: result.image.height,
    bytes: 0,
    backend: result.backend,
    fallbackReason: result.fallbackReason ?? null,
    planner,
    applied: result.applied.map((c) => lang.toWire(c)),
    skipped: result.skipped.map((s) => ({ command: lang.toWire(s.command), reason: s.reason, message: t(locale, s.reason) })),
    advice: result.advice,
    rejected: rejected.map(({ item, reason }) => ({ item, reason })),
  };
  if (result.applied.length === 0) {
    process.stderr.write(`${t(locale, 'edit.nothing_done')}\n`);
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return EXIT.failure;
  }
  const encoded = await encodeImage(result.image, { format });
  try {
    await writeFile(out, encoded);
  } catch (err) {
    process.stderr.write(`error: ${t(locale, 'edit.write_failed', { file: out, detail: (err as NodeJS.ErrnoException).code ?? errorMessage(err) })}\n`);
    return EXIT.failure;
  }
  summary.output = path.resolve(out);
  summary.bytes = encoded.length;
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `${t(locale, 'edit.done', { file: out, width: summary.width, height: summary.height, applied: result.applied.map((c) => c.command).join(', ') })}\n`,
    );
  }
  if (process.env.CHAT_IMAGE_EDITOR_REPORT_RSS) process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
  return EXIT.ok;
}

/** Skips, fallbacks and advice go to stderr (stdout carries only the result). */
function reportNotes(result: ExecuteResult, lang: CommandLanguage, locale: Locale): void {
  for (const s of result.skipped) process.stderr.write(`${t(locale, 'edit.skipped', { command: JSON.stringify(lang.toWire(s.command)), reason: t(locale, s.reason) })}\n`);
  if (result.fallbackReason) process.stderr.write(`${t(locale, 'edit.fallback', { reason: t(locale, result.fallbackReason) })}\n`);
  for (const text of result.advice) process.stderr.write(`${t(locale, 'edit.advice', { text })}\n`);
}
