import path from 'node:path';
import { readEnv } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { t } from '../../i18n/index.js';
import { CommandLanguage, DEFAULT_MODEL_LABELS } from '../../pipeline/commands/index.js';
import { UserFacingError, errorMessage } from '../../util/errors.js';
import { scrubSecrets } from '../../util/secrets.js';
import { EXIT } from '../exit.js';
import { cliLocale } from '../report.js';
import { positiveInt } from './eval.js';

/**
 * `dataset --images DIR -n N --out FILE [--teacher P] [--concurrency C] [--conversations FILE] [--json]`:
 * LLaMA-Factory alpaca samples (instruction, input, output, history) from a folder of photos.
 */
export async function run(_args: string[], options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  const count = positiveInt(options.n, '-n')!;
  const concurrency = positiveInt(options.concurrency, '--concurrency', 4)!;
  const out = path.resolve(String(options.out));
  const env = readEnv();
  const ev = await import('../../eval/index.js');

  const { llm, prompts } = loadConfig({ sections: ['llm', 'prompts'] });
  const teacherName = typeof options.teacher === 'string' ? options.teacher : llm.default;
  if (teacherName === ev.OFFLINE_PROFILE) {
    throw new UserFacingError('eval.dataset_teacher_offline', { known: Object.keys(llm.profiles).join(', ') });
  }
  let modelLabels: readonly string[] = DEFAULT_MODEL_LABELS;
  try {
    modelLabels = (await import('../../providers/segment/index.js')).activeLabels(env, loadConfig({ sections: ['models'] }).models);
  } catch {
    // No model config: the default label list.
  }
  const language = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), { modelLabels });
  const profile = ev.llmProfile(teacherName, { env });
  const { planner } = ev.plannerForProfile(teacherName, { env, language });
  const photos = await ev.listPhotos(path.resolve(String(options.images)));
  const conversations = typeof options.conversations === 'string' ? await ev.readConversations(path.resolve(options.conversations)) : [];
  const labelsFor = ev.photoLabelsSource({ env, modelLabels });

  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = ev.progressBar(t(locale, 'eval.dataset_progress'));
  let result: Awaited<ReturnType<typeof ev.generateDataset>>;
  try {
    result = await ev.generateDataset({
      photos,
      labelsFor,
      writer: ev.teacherRequestWriter(profile, language),
      planner,
      language,
      prompts,
      promptTemplate: profile.promptTemplate,
      count,
      out,
      concurrency,
      conversations,
      signal: controller.signal,
      onProgress: (d, total) => bar.update(d, total),
    });
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    // Too many failures in a row: the teacher's server, not the photos, is the problem.
    throw new UserFacingError('eval.dataset_teacher_unavailable', { profile: teacherName, url: profile.baseURL, detail: scrubSecrets(errorMessage(err)).slice(0, 200) }, { cause: err });
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await labelsFor.close();
  }

  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${t(locale, 'eval.dataset_done', { count: result.samples, file: out, attempts: result.attempts, rejected: result.rejected })}\n`);
  if (result.interrupted) {
    process.stderr.write(`${t(locale, 'eval.dataset_interrupted', { count: result.samples })}\n`);
    return EXIT.failure;
  }
  if (!result.complete) {
    process.stderr.write(`${t(locale, 'eval.dataset_short', { count: result.samples, wanted: count, attempts: result.attempts })}\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}
