import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import type { PromptsConfig } from '../config/schemas/prompts.js';
import { detectTextLocale, type Locale } from '../i18n/index.js';
import type { CommandLanguage } from '../pipeline/commands/index.js';
import { buildPlanMessages, type ChatTurn, type Planner } from '../pipeline/plan/index.js';
import { UserFacingError, errorMessage } from '../util/errors.js';
import type { Conversation } from './conversations.js';
import { isValidReply } from './metrics.js';
import type { LabelsSource } from './photos.js';
import type { RequestWriter } from './teacher.js';

/** One LLaMA-Factory alpaca sample with history, exactly the thesis' shape. */
export interface AlpacaSample {
  instruction: string;
  input: string;
  /** The commands, a JSON array in the wire format, as text. */
  output: string;
  /** [user, assistant] pairs before the instruction: the label turn, then the thread's own turns. */
  history: [string, string][];
}

export interface PhotoLabels {
  photo: string;
  labels: string[];
}

export interface DatasetOptions {
  photos: readonly string[];
  labelsFor: LabelsSource | ((photo: string, signal?: AbortSignal) => Promise<string[]>);
  /** Writes the edit request (the teacher, step one). */
  writer: RequestWriter;
  /** Plans the commands (the teacher profile WITHOUT offline fallback, step two). */
  planner: Planner;
  language: CommandLanguage;
  prompts: PromptsConfig;
  /** Prompt template of the teacher profile (shapes the label turn of `history`). */
  promptTemplate: string;
  /** Samples wanted in the file (existing ones count). */
  count: number;
  out: string;
  concurrency?: number;
  /** Request languages, used in turn (default Chinese then English, like the thesis' data). */
  locales?: readonly Locale[];
  /** Give up after this many teacher attempts in this run (default 4 × missing + 10). */
  maxAttempts?: number;
  /** Operator-exported conversations to include (validated and deduplicated like the rest). */
  conversations?: readonly Conversation[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onSample?: (sample: AlpacaSample, total: number) => void;
}

export interface DatasetResult {
  file: string;
  /** Samples in the file now. */
  samples: number;
  /** Samples added by this run (generated + conversations). */
  added: number;
  /** Samples found from an earlier run (output file and progress file). */
  resumed: number;
  attempts: number;
  /** Teacher answers that did not validate. */
  rejected: number;
  duplicates: number;
  errors: number;
  complete: boolean;
  interrupted: boolean;
}

/** The progress file next to --out: one accepted sample per line, appended as soon as it is accepted. */
export function progressFile(out: string): string {
  return `${out}.partial.jsonl`;
}

function normalise(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Deduplication key: the instruction (normalised) and the photo's labels (the label turn). */
export function sampleKey(sample: Pick<AlpacaSample, 'instruction' | 'history'>): string {
  const labels = (sample.history[0]?.[1] ?? '')
    .split('\n')
    .map((l) => /^\s*\d+\.\s*(.+?)\s*$/.exec(l)?.[1])
    .filter((l): l is string => Boolean(l))
    .sort();
  return `${normalise(sample.instruction)}\u0000${labels.join(',')}`;
}

/** The photo's labels back from the label turn of a sample (for re-validation on resume). */
function labelsOf(sample: AlpacaSample): string[] {
  return (sample.history[0]?.[1] ?? '')
    .split('\n')
    .map((l) => /^\s*\d+\.\s*(.+?)\s*$/.exec(l)?.[1])
    .filter((l): l is string => Boolean(l));
}

function isSample(v: unknown): v is AlpacaSample {
  const s = v as AlpacaSample;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.instruction === 'string' &&
    typeof s.input === 'string' &&
    typeof s.output === 'string' &&
    Array.isArray(s.history) &&
    s.history.every((h) => Array.isArray(h) && h.length === 2 && h.every((x) => typeof x === 'string'))
  );
}

async function readExisting(out: string): Promise<AlpacaSample[]> {
  const found: AlpacaSample[] = [];
  if (existsSync(out)) {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(out, 'utf8'));
    } catch (err) {
      throw new UserFacingError('eval.dataset_output_invalid', { file: out, detail: errorMessage(err) });
    }
    if (!Array.isArray(value) || !value.every(isSample)) throw new UserFacingError('eval.dataset_output_invalid', { file: out, detail: 'expected an array of alpaca samples' });
    found.push(...value);
  }
  const partial = progressFile(out);
  if (existsSync(partial)) {
    for (const line of (await readFile(partial, 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      try {
        const v: unknown = JSON.parse(line);
        if (isSample(v)) found.push(v);
      } catch {
        // The last line of a run killed mid-write: that sample is simply generated again.
      }
    }
  }
  return found;
}

/** Pairs thread turns into alpaca history pairs (user then assistant); unpaired turns are dropped. */
function historyPairs(turns: readonly ChatTurn[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < turns.length; i++) {
    if (turns[i]!.role === 'user' && turns[i + 1]!.role === 'assistant') {
      out.push([turns[i]!.content, turns[i + 1]!.content]);
      i++;
    }
  }
  return out;
}

/**
 * Fine-tuning data the thesis' way: for each photo, the teacher writes a realistic request for the
 * parts it has, then plans the commands; only replies that validate (≥ 1 command, nothing
 * rejected) become samples. Accepted samples are appended to a progress file at once and the
 * output is rewritten at the end, so an interrupted run continues without duplicates.
 */
export async function generateDataset(opts: DatasetOptions): Promise<DatasetResult> {
  const { language, count } = opts;
  const locales = opts.locales && opts.locales.length > 0 ? opts.locales : (['zh-CN', 'en'] as const);
  const samples: AlpacaSample[] = [];
  const keys = new Set<string>();
  let duplicates = 0;

  const toSample = (instruction: string, labels: readonly string[], history: readonly ChatTurn[], output: string): AlpacaSample => {
    const locale = detectTextLocale(instruction);
    // The same conversation the planner sends at inference (buildPlanMessages): label turn first.
    const messages = buildPlanMessages({ prompts: opts.prompts, template: opts.promptTemplate, locale, language, labels, history, instruction, structured: false });
    const labelTurn: [string, string] = [String(messages[1]!.content), String(messages[2]!.content)];
    return { instruction, input: '', output, history: [labelTurn, ...historyPairs(history)] };
  };

  /** Adds a sample unless it repeats one, or the file is full; true when added. */
  const accept = (sample: AlpacaSample): boolean => {
    const key = sampleKey(sample);
    if (keys.has(key)) {
      duplicates++;
      return false;
    }
    if (samples.length >= count) return false;
    keys.add(key);
    samples.push(sample);
    return true;
  };

  // Earlier runs: kept when they still validate (a hand-edited file cannot smuggle in bad samples).
  const existing = await readExisting(opts.out);
  for (const s of existing) {
    const parsed = language.parse(s.output, { labels: labelsOf(s) });
    const key = sampleKey(s);
    if (!isValidReply(parsed) || keys.has(key)) continue;
    keys.add(key);
    samples.push(s);
  }
  const resumed = samples.length;
  const partial = progressFile(opts.out);
  let appendChain: Promise<void> = Promise.resolve();
  const persist = (s: AlpacaSample) => {
    appendChain = appendChain.then(() => appendFile(partial, `${JSON.stringify(s)}\n`));
    return appendChain;
  };
  const report = () => opts.onProgress?.(Math.min(samples.length, count), count);
  report();

  for (const c of opts.conversations ?? []) {
    if (samples.length >= count) break;
    const r = language.validate(c.commands, { labels: c.labels });
    if (!isValidReply(r)) continue;
    const output = JSON.stringify(language.mergeAndSort(r.commands).map((cmd) => language.toWire(cmd)));
    const sample = toSample(c.instruction, c.labels, c.history ?? [], output);
    if (accept(sample)) {
      // Told before the write is awaited, so a caller that stops at k samples gets exactly k.
      opts.onSample?.(sample, samples.length);
      report();
      await persist(sample);
    }
  }

  let attempts = 0;
  let rejected = 0;
  let errors = 0;
  let consecutiveErrors = 0;
  let fatal: unknown;
  let inflight = 0;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const maxAttempts = opts.maxAttempts ?? 4 * Math.max(0, count - samples.length) + 10;
  const seedBase = samples.length;
  let seed = seedBase;
  const queue = new PQueue({ concurrency });

  const attemptOne = async (i: number): Promise<void> => {
    const photo = opts.photos[i % opts.photos.length]!;
    // Shifted once per round over the photos, so every photo gets requests in every language.
    const locale = locales[(i + Math.floor(i / opts.photos.length)) % locales.length]!;
    const labels = await opts.labelsFor(photo, opts.signal);
    // Stride over the focus list independently of the photo, so every photo gets every kind of edit.
    const request = await opts.writer.write(labels, locale, Math.floor(i / opts.photos.length) + i, opts.signal);
    if (!request.text) {
      rejected++;
      return;
    }
    const plan = await opts.planner.plan({ instruction: request.text, labels, locale: detectTextLocale(request.text, locale), signal: opts.signal });
    if (!isValidReply(plan)) {
      rejected++;
      return;
    }
    const output = JSON.stringify(plan.commands.map((c) => language.toWire(c)));
    const sample = toSample(request.text, labels, [], output);
    if (opts.signal?.aborted) return;
    if (accept(sample)) {
      // Told before the write is awaited, so a caller that stops at k samples gets exactly k.
      opts.onSample?.(sample, samples.length);
      report();
      await persist(sample);
    }
  };

  const wanted = () => !opts.signal?.aborted && fatal === undefined && samples.length + inflight < count && attempts < maxAttempts;
  const pump = (): void => {
    while (wanted() && inflight < concurrency) {
      const i = seed++;
      attempts++;
      inflight++;
      void queue.add(async () => {
        try {
          await attemptOne(i);
          consecutiveErrors = 0;
        } catch (err) {
          if (opts.signal?.aborted) return;
          // A missing segmentation model, an unreadable photo: nothing later would go better.
          if (err instanceof UserFacingError && err.key.startsWith('eval.dataset_')) fatal ??= err;
          errors++;
          if (++consecutiveErrors >= Math.max(5, concurrency * 2)) fatal ??= err;
        } finally {
          inflight--;
          pump();
        }
      });
    }
  };
  pump();
  await queue.onIdle();
  await appendChain;

  const complete = samples.length >= count;
  // Nothing to write and nothing there: leave no empty file behind (a missing model, say).
  if (samples.length > 0 || existsSync(opts.out)) await writeSamples(opts.out, samples);
  await rm(partial, { force: true });
  if (fatal !== undefined) throw fatal;
  return {
    file: opts.out,
    samples: samples.length,
    added: samples.length - resumed,
    resumed,
    attempts,
    rejected,
    duplicates,
    errors,
    complete,
    interrupted: Boolean(opts.signal?.aborted),
  };
}

/** Atomic rewrite: a crash leaves either the old file or the new one, never half of it. */
async function writeSamples(out: string, samples: readonly AlpacaSample[]): Promise<void> {
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(samples, null, 2)}\n`);
  await rename(tmp, out);
}
