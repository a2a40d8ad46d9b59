import type { LabelMap } from '../core/types.js';
import { countLabels } from './image/kernels/labels.js';

/** Counts already made per label map (a label map is never changed once made). */
const counted = new WeakMap<LabelMap, Float64Array>();

/** Pixel counts per label index (counted once per map; `countLabelsOffThread` counts big maps off the event loop). */
export function labelHistogram(map: LabelMap): Float64Array {
  let counts = counted.get(map);
  if (!counts) {
    counts = countLabels(map.data, map.labels.length);
    counted.set(map, counts);
  }
  return counts;
}

/** Below this many pixels a thread hop costs more than the loop. */
const SMALL = 1 << 20;

/**
 * The map's pixels in shared memory, copied there once (in slices, without a long block); the
 * map keeps the shared copy, so every later pool task (counts, overlay, edit masks) reads it
 * without copying.
 */
export async function shareLabelMap(map: LabelMap): Promise<SharedArrayBuffer> {
  const { sharedAsync } = await import('./image/shared.js');
  const sab = await sharedAsync(map.data);
  if (map.data.buffer !== sab) map.data = new Uint8Array(sab, 0, map.data.length);
  return sab;
}

/** Counts the map's labels in the pixel worker pool, so later labelHistogram / labelFractions calls are free. */
export async function countLabelsOffThread(map: LabelMap): Promise<void> {
  if (counted.has(map)) return;
  if (map.data.length < SMALL) return void labelHistogram(map);
  const sab = await shareLabelMap(map);
  const { pixelPool } = await import('./image/pool.js');
  counted.set(map, await pixelPool().run({ kind: 'labels.count', map: sab, length: map.data.length, slots: map.labels.length }));
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
