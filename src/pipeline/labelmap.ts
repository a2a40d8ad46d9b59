import sharp from 'sharp';
import { UserFacingError } from '../util/errors.js';
import type { LabelMap } from './types.js';

/**
 * Label map files (DESIGN.md): 8-bit single-channel PNG, pixel value = index of the label in the
 * active model's label list. Low zlib level: label maps are flat and compress well anyway, and a
 * 12 MP map must not cost seconds.
 */
export async function encodeLabelMap(map: LabelMap): Promise<Buffer> {
  // Without 'b-w' sharp would write one raw channel as an RGB PNG.
  return sharp(map.data, { raw: { width: map.width, height: map.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}

/** Reads a label map PNG and refuses any value that is not an index into `labels`. */
export async function decodeLabelMap(png: Buffer, labels: readonly string[]): Promise<LabelMap> {
  if (png.length === 0) throw new UserFacingError('segment.labelmap_unreadable', { detail: 'empty file' });
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    const meta = await sharp(png).metadata();
    if (meta.format !== 'png') throw new Error(`${meta.format ?? 'unknown'} instead of PNG`);
    if (meta.depth && meta.depth !== 'uchar') throw new Error(`${meta.depth} samples instead of 8-bit`);
    // A grey file decodes to one channel only when asked: sharp converts to sRGB by default.
    const pipeline = sharp(png, { failOn: 'error', limitInputPixels: 100_000_000 });
    raw = await (meta.channels !== undefined && meta.channels <= 2 ? pipeline.extractChannel(0) : pipeline)
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw new UserFacingError('segment.labelmap_unreadable', { detail: firstLine(err) }, { cause: err });
  }
  const { width, height, channels } = raw.info;
  const data = channels === 1 ? new Uint8Array(raw.data.buffer, raw.data.byteOffset, width * height) : firstChannel(raw.data, channels, width * height);
  const count = labels.length;
  for (let i = 0, n = data.length; i < n; i++) {
    if (data[i]! >= count) {
      throw new UserFacingError('segment.labelmap_bad_value', {
        value: data[i]!,
        x: i % width,
        y: Math.floor(i / width),
        count,
        max: count - 1,
      });
    }
  }
  return { width, height, data, labels };
}

/** A grey PNG saved as RGB(A) by some editor: take the first channel, refusing real colour. */
function firstChannel(buf: Buffer, channels: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  const colour = channels >= 3;
  for (let i = 0, j = 0; i < pixels; i++, j += channels) {
    const v = buf[j]!;
    if (colour && (buf[j + 1] !== v || buf[j + 2] !== v)) {
      throw new UserFacingError('segment.labelmap_unreadable', { detail: 'colour pixels; expected grey values = label indices' });
    }
    out[i] = v;
  }
  return out;
}

/** Pixel counts per label index. */
export function labelHistogram(map: LabelMap): Float64Array {
  const counts = new Float64Array(Math.max(256, map.labels.length));
  const d = map.data;
  for (let i = 0, n = d.length; i < n; i++) counts[d[i]!]++;
  return counts;
}

/** Labels present in the map with the share of pixels they cover, largest first. */
export function labelFractions(map: LabelMap): { name: string; fraction: number }[] {
  const counts = labelHistogram(map);
  const total = map.width * map.height || 1;
  const out: { name: string; fraction: number }[] = [];
  for (let i = 0; i < map.labels.length; i++) {
    if (counts[i]! > 0) out.push({ name: map.labels[i]!, fraction: Math.round((counts[i]! / total) * 1e6) / 1e6 });
  }
  return out.sort((a, b) => b.fraction - a.fraction || a.name.localeCompare(b.name));
}

/** Names of the labels that cover at least one pixel, in label-list order. */
export function presentLabels(map: LabelMap): string[] {
  const counts = labelHistogram(map);
  return map.labels.filter((_, i) => counts[i]! > 0);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 120);
}

/**
 * Labels under points given as fractions of the photo's width and height (0..1), in click order,
 * without repeats — the thesis' point selection, at the level of whole parts.
 */
export function labelsAtPoints(map: LabelMap, points: readonly { x: number; y: number }[]): string[] {
  const out: string[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const x = Math.min(map.width - 1, Math.max(0, Math.floor(p.x * map.width)));
    const y = Math.min(map.height - 1, Math.max(0, Math.floor(p.y * map.height)));
    const label = map.labels[map.data[y * map.width + x]!];
    if (label !== undefined && !out.includes(label)) out.push(label);
  }
  return out;
}
