import path from 'node:path';
import { readEnv } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { t } from '../../i18n/index.js';
import { CommandLanguage, DEFAULT_MODEL_LABELS } from '../../pipeline/commands/index.js';
import { UsageError } from '../../util/errors.js';
import { EXIT } from '../exit.js';
import { cliLocale } from '../report.js';

export function positiveInt(value: unknown, option: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new UsageError(t(cliLocale(), 'eval.bad_number', { option }));
  return value;
}

/**
 * `eval [--model P...] [--set FILE] [-n N] [--concurrency C] [--out DIR] [--json]`: runs the set
 * through each planner profile and prints the per-profile table (JSON report with --json).
 */
export async function run(_args: string[], options: Record<string, unknown>): Promise<number> {
  if (options.check || options.checkMode || options.checkSet) return runCheck(options);
  const locale = cliLocale();
  const profiles = [...new Set((options.model as string[] | undefined) ?? ['offline'])];
  if (profiles.length === 0) throw new UsageError(t(locale, 'eval.no_profiles'));
  const n = positiveInt(options.n, '-n');
  const concurrency = positiveInt(options.concurrency, '--concurrency', 4)!;
  const env = readEnv();

  const ev = await import('../../eval/index.js');
  const setFile = typeof options.set === 'string' ? path.resolve(options.set) : ev.BUNDLED_SET;
  const all = await ev.loadEvalSet(setFile);
  const items = n === undefined ? all : all.slice(0, n);

  let modelLabels: readonly string[] = DEFAULT_MODEL_LABELS;
  try {
    modelLabels = (await import('../../providers/segment/index.js')).activeLabels(env, loadConfig({ sections: ['models'] }).models);
  } catch {
    // No model config: the default label list.
  }
  const language = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), { modelLabels });
  // Every profile is resolved before any request, so a typo fails at once (plan.unknown_profile).
  const planners = profiles.map((p) => ev.plannerForProfile(p, { env, language }));

  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  const bar = ev.progressBar(t(locale, 'eval.progress'));
  let report: Awaited<ReturnType<typeof ev.runEval>>;
  try {
    report = await ev.runEval({ items, planners, language, concurrency, onProgress: (d, total) => bar.update(d, total), signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) {
      bar.stop();
      process.stderr.write(`${t(locale, 'eval.interrupted')}\n`);
      return EXIT.failure;
    }
    throw err;
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSignal);
  }

  const full = { set: setFile === ev.BUNDLED_SET ? 'bundled' : setFile, ...report };
  if (typeof options.out === 'string') {
    const files = await ev.writeEvalOutputs(path.resolve(options.out), full, locale);
    process.stderr.write(`${t(locale, 'eval.written', { files: files.join(', ') })}\n`);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(full)}\n`);
  else process.stdout.write(ev.markdownTable(report.profiles, locale));
  return EXIT.ok;
}

/**
 * `eval --check [--check-mode local|vision] [--check-set FILE] [-n N] [--concurrency C] [--json]`:
 * runs the result check over before/after pairs (the synthetic set by default) and reports its cost
 * (time, vision tokens) and how often it disagreed with the job's "done".
 */
async function runCheck(options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  const env = readEnv();
  const config = loadConfig({ sections: ['commands', 'labels', 'models', 'llm', 'safety', 'images'] });
  const mode = options.checkMode === 'vision' ? 'vision' : options.checkMode === 'local' ? 'local' : config.safety.check.mode === 'vision' ? 'vision' : 'local';
  const n = positiveInt(options.n, '-n');
  const concurrency = positiveInt(options.concurrency, '--concurrency', 2)!;
  const ev = await import('../../eval/index.js');
  const { createResultChecker, closeCheckPool } = await import('../../pipeline/check/index.js');
  let modelLabels: readonly string[] = DEFAULT_MODEL_LABELS;
  try {
    modelLabels = (await import('../../providers/segment/index.js')).activeLabels(env, config.models);
  } catch {
    // No model config: the default label list.
  }
  const language = CommandLanguage.fromConfig(config, { modelLabels });
  const all = typeof options.checkSet === 'string' ? await ev.loadCheckSet(path.resolve(options.checkSet), language, modelLabels) : await ev.syntheticCheckSet(modelLabels);
  const items = n === undefined ? all : all.slice(0, n);
  const checker = createResultChecker({ env, llm: config.llm, safety: config.safety, limits: config.images });
  if (mode === 'vision' && !checker.visionModel) process.stderr.write(`${t(locale, 'eval.check_no_vision')}\n`);
  const profile = config.llm.profiles[config.llm.vision.profile];
  const bar = ev.progressBar(t(locale, 'eval.check_progress'));
  let report: Awaited<ReturnType<typeof ev.runCheckEval>>;
  try {
    report = await ev.runCheckEval({ items, checker, mode, concurrency, prices: profile, locale, onProgress: (d, total) => bar.update(d, total) });
  } finally {
    bar.stop();
    await closeCheckPool();
  }
  const full = { set: typeof options.checkSet === 'string' ? path.resolve(options.checkSet) : 'synthetic', ...report };
  if (options.json) process.stdout.write(`${JSON.stringify(full)}\n`);
  else process.stdout.write(ev.checkTable(report, locale));
  return EXIT.ok;
}
