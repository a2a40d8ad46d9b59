import { readFile } from 'node:fs/promises';
import { readEnv, type EnvSettings } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { detectTextLocale, t, type Locale } from '../../i18n/index.js';
import { CommandLanguage, DEFAULT_MODEL_LABELS } from '../../pipeline/commands/index.js';
import { UserFacingError, UsageError, errorMessage } from '../../util/errors.js';
import { EXIT } from '../exit.js';
import { cliLocale } from '../report.js';

/** Labels of the active segmentation model (all allowed when the photo's are unknown). */
async function modelLabels(env: EnvSettings): Promise<readonly string[]> {
  try {
    // cards.js alone: the segmenter index would load sharp and the ONNX/remote clients for nothing.
    const { activeLabels } = await import('../../providers/segment/cards.js');
    return activeLabels(env, loadConfig({ sections: ['models'] }).models);
  } catch {
    return DEFAULT_MODEL_LABELS;
  }
}

/** Segments the photo to learn which parts it has; on any failure says why and allows every label. */
async function photoLabels(file: string, env: EnvSettings, locale: Locale): Promise<readonly string[] | undefined> {
  let image: Buffer;
  try {
    image = await readFile(file);
  } catch (err) {
    throw new UserFacingError('image.not_image', { detail: errorMessage(err) });
  }
  let segmenter: { segment(b: Buffer): Promise<unknown>; close(): Promise<void> } | undefined;
  try {
    const segment = await import('../../providers/segment/index.js');
    const labelmap = await import('../../pipeline/labelmap.js');
    const { models, images } = loadConfig({ sections: ['models', 'images'] });
    const s = segment.createSegmenter({ env, models, limits: images });
    segmenter = s;
    const map = await s.segment(image);
    return labelmap.presentLabels(map);
  } catch (err) {
    // A photo that is not an image is the user's input problem (exit 3), not a missing model.
    if (err instanceof UserFacingError && err.key.startsWith('image.')) throw err;
    const detail = err instanceof UserFacingError ? t(locale, err.key, err.params) : errorMessage(err);
    process.stderr.write(`${t(locale, 'plan.image_unsegmented', { detail })}\n`);
    return undefined;
  } finally {
    await segmenter?.close().catch(() => undefined);
  }
}

/**
 * `plan "INSTRUCTION" [--labels A,B] [--image IMG] [--offline] [--json]`: prints
 * {"commands":[wire…],"rejected":[{item,reason}]}; exit 0 whenever the instruction was read.
 */
export async function run(args: string[], options: Record<string, unknown>): Promise<number> {
  const instruction = args[0];
  if (typeof instruction !== 'string') throw new UsageError('plan needs an instruction, e.g. plan "blur the background"');
  const env = readEnv();
  const locale = cliLocale();
  let labels: readonly string[] | undefined;
  if (Array.isArray(options.labels) && options.labels.length > 0) labels = options.labels as string[];
  else if (typeof options.image === 'string') labels = await photoLabels(options.image, env, locale);
  labels ??= await modelLabels(env);

  const { createPlanner } = await import('../../pipeline/plan/index.js');
  const language = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), { modelLabels: await modelLabels(env) });
  const { llm, prompts, vocabulary } = loadConfig({ sections: ['llm', 'prompts', 'vocabulary'] });
  const planner = createPlanner({ env, offline: options.offline === true, language, llm, prompts, vocabulary });
  const result = await planner.plan({ instruction, labels, locale: detectTextLocale(instruction, locale) });

  const wire = result.commands.map((c) => language.toWire(c));
  const rejected = result.rejected.map((r) => ({ item: r.item, reason: r.reason }));
  if (result.fallbackReason) process.stderr.write(`${t(locale, result.fallbackReason)}\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ commands: wire, rejected })}\n`);
  } else {
    for (const w of wire) process.stdout.write(`${JSON.stringify(w)}\n`);
    for (const r of rejected) process.stdout.write(`rejected: ${r.reason}\n`);
  }
  if (wire.length === 0 && result.clarify) process.stderr.write(`${t(locale, result.clarify, result.clarifyParams ?? {})}\n`);
  return EXIT.ok;
}
