import { readFile, writeFile } from 'node:fs/promises';
import { EXIT } from '../exit.js';
import { cliLocale, reportCliError } from '../report.js';
import { t } from '../../i18n/index.js';
import { UserFacingError } from '../../util/errors.js';
import { loadConfig } from '../../config/load.js';
import { activeLabels } from '../../providers/segment/cards.js';
import { decodeLabelMap } from '../../core/labelmap-png.js';
import { presentLabels } from '../../pipeline/labelmap.js';
import { encodeMaskPng } from '../../core/mask-png.js';
import { buildMask, labelIndex, maskBoundingBox, maskCoverage, parsePoints, WHOLE_IMAGE } from '../../pipeline/mask/index.js';

// Imports stay light on purpose (no onnxruntime, no SDKs): `mask` on a 1024² map runs in well under a second.

type LabelMatcherLike = { matchLabel(word: string, available?: readonly string[]): string[] | undefined };

/** The command language's matcher (synonyms, groups), imported only when a word is not a label name. */
async function loadMatcher(available: readonly string[]): Promise<LabelMatcherLike> {
  const { CommandLanguage } = await import('../../pipeline/commands/index.js');
  return CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), { modelLabels: available });
}

export async function resolveMaskLabels(words: readonly string[], available: readonly string[]): Promise<string[]> {
  if (words.includes(WHOLE_IMAGE)) return [WHOLE_IMAGE];
  const out = new Set<string>();
  let matcher: LabelMatcherLike | undefined | null = null;
  for (const word of words) {
    const idx = labelIndex(available, word);
    if (idx >= 0) {
      out.add(available[idx]!);
      continue;
    }
    if (matcher === null) matcher = await loadMatcher(available);
    const matched = matcher?.matchLabel(word, available);
    if (matched?.includes(WHOLE_IMAGE)) return [WHOLE_IMAGE];
    if (matched && matched.length > 0) {
      for (const m of matched) out.add(m);
      continue;
    }
    throw new UserFacingError('segment.unknown_label', { label: word, available: available.join(', ') });
  }
  return [...out];
}

export async function run(_args: string[], options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  const mapFile = String(options.segmentation);
  const output = String(options.output);
  let png: Buffer;
  try {
    png = await readFile(mapFile);
  } catch (err) {
    process.stderr.write(`error: ${t(locale, 'segment.file_unreadable', { file: mapFile, detail: (err as NodeJS.ErrnoException).code ?? String(err) })}\n`);
    return EXIT.unreadable;
  }
  try {
    const { masks, models } = loadConfig({ sections: ['masks', 'models'] });
    const map = await decodeLabelMap(png, activeLabels(undefined, models));
    const words = (Array.isArray(options.labels) ? options.labels : String(options.labels ?? '').split(',')).map(String).filter(Boolean);
    if (words.length === 0 && !options.points) throw new UserFacingError('segment.unknown_label', { label: '', available: map.labels.join(', ') });
    let labels: string[];
    try {
      labels = await resolveMaskLabels(words, map.labels);
    } catch (err) {
      process.stderr.write(`error: ${t(locale, (err as UserFacingError).key, (err as UserFacingError).params)}\n`);
      return EXIT.usage;
    }
    let points;
    if (typeof options.points === 'string') {
      try {
        points = parsePoints(options.points, map.width, map.height);
      } catch (err) {
        process.stderr.write(`error: ${t(locale, (err as UserFacingError).key, (err as UserFacingError).params)}\n`);
        return EXIT.usage;
      }
    }
    const present = new Set(presentLabels(map));
    const absent = labels.filter((l) => l !== WHOLE_IMAGE && !present.has(l));
    if (absent.length) process.stderr.write(`${t(locale, 'segment.label_absent', { labels: absent.join(', ') })}\n`);
    const optimize = options.optimize !== false && masks.optimize;
    const mask = buildMask(map, { labels, points, optimize, pointMode: masks.points, erodeSettings: masks.erode });
    await writeFile(output, await encodeMaskPng(mask));
    const coverage = Math.round(maskCoverage(mask) * 1e6) / 1e6;
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ output, width: mask.width, height: mask.height, labels, points: points ?? [], optimized: optimize, coverage, bbox: maskBoundingBox(mask) })}\n`,
      );
    } else {
      process.stdout.write(`${output}: ${mask.width}×${mask.height}, ${(coverage * 100).toFixed(1)}% to edit (${labels.join(', ') || 'points'})\n`);
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UserFacingError && err.key.startsWith('segment.labelmap')) {
      process.stderr.write(`error: ${t(locale, err.key, err.params)}\n`);
      return EXIT.unreadable;
    }
    return reportCliError(err);
  }
}
