import { readFile } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { z } from 'zod';
import type { CheckMode } from '../config/schemas/safety.js';
import type { RawImage } from '../core/image-io.js';
import type { LabelMap } from '../core/types.js';
import { decodeLabelMap } from '../core/labelmap-png.js';
import { t, type Locale } from '../i18n/index.js';
import type { CheckReport, ResultChecker } from '../pipeline/check/index.js';
import type { Command, CommandLanguage } from '../pipeline/commands/index.js';
import type { AppliedRegion } from '../pipeline/execute/index.js';
import { buildMask } from '../pipeline/mask/index.js';
import { UserFacingError, errorMessage } from '../util/errors.js';
import { percentile } from './metrics.js';
import { percent } from './report.js';

/**
 * `eval --check`: what the result check costs and how often it disagrees with a job's "done".
 * Each item is a before/after pair with the commands the job reported as applied and, when known,
 * whether each one really shows (`expected`). The bundled set is synthetic (made in memory): a
 * textured photo with a shirt and a background, edits that show and edits a generator missed.
 */

export interface CheckItem {
  id: string;
  before: Buffer;
  after: Buffer;
  commands: Command[];
  /** Label map of `before`, to build each command's region (the whole photo without one). */
  labelMap?: LabelMap;
  /** Per command: whether the result really shows it. */
  expected?: boolean[];
}

export interface CheckOutcome {
  id: string;
  /** Per command: did the check pass it, and what was expected. */
  verdicts: { command: string; passed: boolean; expected?: boolean; failure?: string }[];
  localMs: number;
  visionMs?: number;
  tokens?: { promptTokens: number; completionTokens: number };
  error?: string;
}

export interface CheckEvalReport {
  mode: CheckMode;
  model: string | null;
  items: number;
  commands: number;
  /** Share of commands reported done that the check called failed ("disagreed with the result"). */
  disagreement: number;
  /** Among commands with an expected answer: check == expected; failed though it shows; passed though it does not. */
  labelled: number;
  accuracy: number | null;
  falseAlarms: number | null;
  misses: number | null;
  localMs: { p50: number; p95: number };
  visionMs: { p50: number; p95: number } | null;
  tokens: { promptTokens: number; completionTokens: number } | null;
  cost: number | null;
  visionErrors: number;
  outcomes: CheckOutcome[];
}

const FileItem = z.strictObject({
  id: z.string().min(1).optional(),
  before: z.string().min(1),
  after: z.string().min(1),
  commands: z.array(z.unknown()).min(1),
  labelmap: z.string().min(1).optional(),
  expected: z.union([z.boolean(), z.array(z.boolean())]).optional(),
});

/**
 * A check set file: JSON lines or a JSON array of `{"id"?, "before", "after", "commands", "labelmap"?,
 * "expected"?}`; paths are relative to the file, commands in the wire format, `labelmap` a label map
 * PNG of the before photo in the active model's label order, `expected` one boolean or one per command.
 */
export async function loadCheckSet(file: string, language: CommandLanguage, labels: readonly string[]): Promise<CheckItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserFacingError('eval.set_unreadable', { file, detail: errorMessage(err) });
  }
  const trimmed = text.trim();
  const rows: unknown[] = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown[]) : trimmed.split(/\r?\n/).filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
  const dir = path.dirname(file);
  const items: CheckItem[] = [];
  for (const [i, row] of rows.entries()) {
    const parsed = FileItem.safeParse(row);
    if (!parsed.success) throw new UserFacingError('eval.set_invalid', { file, where: `item ${i + 1}`, detail: parsed.error.issues[0]!.message });
    const r = parsed.data;
    const labelMap = r.labelmap ? await decodeLabelMap(await readFile(path.resolve(dir, r.labelmap)), labels) : undefined;
    const { commands, rejected } = language.validate(r.commands, labelMap ? { labels: labelMap.labels } : {});
    if (rejected.length || commands.length === 0) throw new UserFacingError('eval.set_invalid', { file, where: `item ${i + 1}`, detail: rejected[0]?.reason ?? 'no valid command' });
    items.push({
      id: r.id ?? `item-${i + 1}`,
      before: await readFile(path.resolve(dir, r.before)),
      after: await readFile(path.resolve(dir, r.after)),
      commands,
      labelMap,
      expected: r.expected === undefined ? undefined : Array.isArray(r.expected) ? r.expected : commands.map(() => r.expected as boolean),
    });
  }
  return items;
}

/** A textured synthetic photo (background, shirt), raw RGB, and its label map. */
function scene(w: number, h: number, labels: readonly string[]): { raw: RawImage; map: LabelMap } {
  const data = Buffer.alloc(w * h * 3);
  const map = new Uint8Array(w * h);
  const bg = Math.max(0, labels.indexOf('Background'));
  const shirt = labels.indexOf('Upper-clothes');
  let s = 11;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const n = (s >> 16) % 9;
      const inShirt = x > w * 0.3 && x < w * 0.7 && y > h * 0.45;
      map[i] = inShirt && shirt >= 0 ? shirt : bg;
      const c = inShirt ? [196 + n, 176 + n, 146 + n] : [70 + ((x * 60) / w) | 0, 110 + n, 80 + ((y * 40) / h) | 0];
      data.set(c, i * 3);
    }
  return { raw: { data, width: w, height: h, channels: 3 }, map: { width: w, height: h, data: map, labels } };
}

function paint(raw: RawImage, map: LabelMap, label: string, f: (rgb: [number, number, number], x: number, y: number) => [number, number, number]): RawImage {
  const idx = map.labels.indexOf(label);
  const data = Buffer.from(raw.data);
  for (let i = 0; i < map.data.length; i++) {
    if (map.data[i] !== idx) continue;
    const p = i * 3;
    data.set(f([data[p]!, data[p + 1]!, data[p + 2]!], i % raw.width, Math.floor(i / raw.width)), p);
  }
  return { ...raw, data };
}

const png = (raw: RawImage) => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).png({ compressionLevel: 2 }).toBuffer();

/**
 * The bundled check set: six edits a job reported done, each once as it should look and once as a
 * generator that missed would leave it (unchanged, or barely changed).
 */
export async function syntheticCheckSet(labels: readonly string[]): Promise<CheckItem[]> {
  const { raw, map } = scene(320, 240, labels);
  const before = await png(raw);
  const c = (command: string, args: Record<string, unknown>): Command => ({ command, args });
  const lum = ([r, g, b]: [number, number, number]) => 0.299 * r + 0.587 * g + 0.114 * b;
  const cases: { id: string; command: Command; shown: RawImage; missed: RawImage }[] = [
    {
      id: 'shirt-white',
      command: c('change', { labels: ['Upper-clothes'], prompt: 'white T-shirt' }),
      shown: paint(raw, map, 'Upper-clothes', (p) => [245 + (p[0] % 5), 245 + (p[1] % 5), 244 + (p[2] % 5)]),
      missed: paint(raw, map, 'Upper-clothes', ([r, g, b]) => [r + 1, g, b]),
    },
    {
      id: 'shirt-red',
      command: c('recolor', { labels: ['Upper-clothes'], color: 'red' }),
      shown: paint(raw, map, 'Upper-clothes', (p) => [Math.min(255, lum(p) * 1.3) | 0, 30, 30]),
      missed: raw,
    },
    {
      id: 'beach-background',
      command: c('change', { labels: ['Background'], prompt: 'sunny beach' }),
      shown: paint(raw, map, 'Background', (_p, _x, y) => (y < 100 ? [120, 190, 240] : [230, 210, 160])),
      missed: paint(raw, map, 'Background', ([r, g, b]) => [r, g + 1, b + 1]),
    },
    {
      id: 'grey-background',
      command: c('grayscale', { labels: ['Background'] }),
      shown: paint(raw, map, 'Background', (p) => {
        const v = lum(p) | 0;
        return [v, v, v];
      }),
      missed: raw,
    },
    {
      id: 'brighter',
      command: c('adjust', { labels: ['Background'], brightness: 30 }),
      shown: paint(raw, map, 'Background', ([r, g, b]) => [Math.min(255, r * 1.3) | 0, Math.min(255, g * 1.3) | 0, Math.min(255, b * 1.3) | 0]),
      missed: raw,
    },
    {
      id: 'dark-shirt',
      command: c('recolor', { labels: ['Upper-clothes'], color: 'navy' }),
      shown: paint(raw, map, 'Upper-clothes', (p) => [20, 30, (lum(p) * 0.5) | 0]),
      missed: paint(raw, map, 'Upper-clothes', ([r, g, b]) => [r - 1, g - 1, b]),
    },
  ];
  const items: CheckItem[] = [];
  for (const k of cases) {
    items.push({ id: `${k.id}-shown`, before, after: await png(k.shown), commands: [k.command], labelMap: map, expected: [true] });
    items.push({ id: `${k.id}-missed`, before, after: await png(k.missed), commands: [k.command], labelMap: map, expected: [false] });
  }
  return items;
}

/** Each command's region from the label map (binary, as the executor's before feathering), or the whole photo. */
function regionsOf(item: CheckItem): AppliedRegion[] {
  return item.commands.map((command, index) => {
    const labels = Array.isArray(command.args.labels) ? command.args.labels.map(String) : [];
    if (!item.labelMap || labels.length === 0 || labels.includes('*')) return { index, command, alpha: 'whole' as const };
    return { index, command, alpha: buildMask(item.labelMap, { labels, optimize: false }).data };
  });
}

export interface CheckEvalOptions {
  items: readonly CheckItem[];
  checker: ResultChecker;
  mode: CheckMode;
  concurrency?: number;
  /** Price per 1,000 prompt / completion tokens of the vision profile. */
  prices?: { pricePer1kInput?: number; pricePer1kOutput?: number };
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  locale?: Locale;
}

export async function runCheckEval(opts: CheckEvalOptions): Promise<CheckEvalReport> {
  const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency ?? 2) });
  const outcomes = new Array<CheckOutcome>(opts.items.length);
  let done = 0;
  opts.onProgress?.(0, opts.items.length);
  opts.items.forEach((item, i) =>
    void queue.add(async () => {
      if (opts.signal?.aborted) return;
      outcomes[i] = await checkOne(item, opts);
      opts.onProgress?.(++done, opts.items.length);
    }),
  );
  await queue.onIdle();
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
  return summarizeCheck(opts.mode, opts.checker.visionModel ?? null, outcomes, opts.prices);
}

async function checkOne(item: CheckItem, opts: CheckEvalOptions): Promise<CheckOutcome> {
  const after = await sharp(item.after).raw().toBuffer({ resolveWithObject: true });
  const raw: RawImage = { data: after.data, width: after.info.width, height: after.info.height, channels: after.info.channels as 3 | 4 };
  let report: CheckReport;
  try {
    report = await opts.checker.check({
      mode: opts.mode,
      before: item.before,
      after: raw,
      afterEncoded: item.after,
      regions: regionsOf(item),
      applied: item.commands.map((command, index) => ({ index, command })),
      locale: opts.locale ?? 'en',
      signal: opts.signal,
    });
  } catch (err) {
    return { id: item.id, verdicts: [], localMs: 0, error: errorMessage(err) };
  }
  return {
    id: item.id,
    verdicts: report.commands.map((c) => ({ command: c.command.command, passed: c.passed, ...(item.expected ? { expected: item.expected[c.index] } : {}), ...(c.failure ? { failure: c.failure } : {}) })),
    localMs: report.localMs ?? 0,
    ...(report.vision ? { visionMs: report.vision.ms, tokens: report.vision.usage, ...(report.vision.error ? { error: report.vision.error } : {}) } : {}),
  };
}

export function summarizeCheck(mode: CheckMode, model: string | null, outcomes: CheckOutcome[], prices: CheckEvalOptions['prices'] = {}): CheckEvalReport {
  const verdicts = outcomes.flatMap((o) => o.verdicts);
  const labelled = verdicts.filter((v) => v.expected !== undefined);
  const shown = labelled.filter((v) => v.expected);
  const notShown = labelled.filter((v) => !v.expected);
  const visionMs = outcomes.flatMap((o) => (o.visionMs === undefined ? [] : [o.visionMs]));
  const tokens = outcomes.reduce<{ promptTokens: number; completionTokens: number } | null>(
    (sum, o) => (o.tokens ? { promptTokens: (sum?.promptTokens ?? 0) + o.tokens.promptTokens, completionTokens: (sum?.completionTokens ?? 0) + o.tokens.completionTokens } : sum),
    null,
  );
  const priced = tokens && (prices.pricePer1kInput !== undefined || prices.pricePer1kOutput !== undefined);
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  return {
    mode,
    model: mode === 'vision' ? model : null,
    items: outcomes.length,
    commands: verdicts.length,
    disagreement: verdicts.length ? verdicts.filter((v) => !v.passed).length / verdicts.length : 0,
    labelled: labelled.length,
    accuracy: ratio(labelled.filter((v) => v.passed === v.expected).length, labelled.length),
    falseAlarms: ratio(shown.filter((v) => !v.passed).length, shown.length),
    misses: ratio(notShown.filter((v) => v.passed).length, notShown.length),
    localMs: { p50: percentile(outcomes.map((o) => o.localMs), 0.5), p95: percentile(outcomes.map((o) => o.localMs), 0.95) },
    visionMs: visionMs.length ? { p50: percentile(visionMs, 0.5), p95: percentile(visionMs, 0.95) } : null,
    tokens,
    cost: priced ? ((tokens.promptTokens * (prices.pricePer1kInput ?? 0)) + (tokens.completionTokens * (prices.pricePer1kOutput ?? 0))) / 1000 : null,
    visionErrors: outcomes.filter((o) => o.error).length,
    outcomes,
  };
}

/** The check's figures as a Markdown table. */
export function checkTable(r: CheckEvalReport, locale: Locale): string {
  const sec = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
  const rows: [string, string][] = [
    [t(locale, 'eval.check_mode'), r.model ? `${r.mode} (${r.model})` : r.mode],
    [t(locale, 'eval.check_items'), `${r.items} / ${r.commands}`],
    [t(locale, 'eval.check_disagreement'), percent(r.disagreement)],
    [t(locale, 'eval.check_accuracy'), r.labelled ? `${percent(r.accuracy)} (${r.labelled})` : '–'],
    [t(locale, 'eval.check_false_alarms'), percent(r.falseAlarms)],
    [t(locale, 'eval.check_misses'), percent(r.misses)],
    [t(locale, 'eval.check_local_time'), `${sec(r.localMs.p50)} / ${sec(r.localMs.p95)}`],
    [t(locale, 'eval.check_vision_time'), r.visionMs ? `${sec(r.visionMs.p50)} / ${sec(r.visionMs.p95)}` : '–'],
    [t(locale, 'eval.check_tokens'), r.tokens ? `${r.tokens.promptTokens} + ${r.tokens.completionTokens}` : '–'],
    [t(locale, 'eval.check_cost'), r.cost === null ? '–' : r.cost.toFixed(4)],
    [t(locale, 'eval.check_errors'), String(r.visionErrors)],
  ];
  return `| | |\n| --- | ---: |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`;
}
