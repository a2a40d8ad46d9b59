import type { LabelMap, Mask } from '../../core/types.js';
import { buildMask, maskBoundingBox, type MaskOptions } from '../mask/build.js';

/**
 * Per-pixel loops that run in the pixel worker pool (./pool.ts), never on the main thread for a
 * big photo. Pure functions over typed arrays: the same code runs inline when no worker is
 * available.
 */

/** Pixel counts per label index. */
export function countLabels(data: Uint8Array, slots: number): Float64Array {
  const counts = new Float64Array(Math.max(256, slots));
  for (let i = 0, n = data.length; i < n; i++) counts[data[i]!]++;
  return counts;
}

/** Distinct colours (Kelly's / Glasbey-style), label index → RGB; background stays untinted. */
const PALETTE: [number, number, number][] = [
  [0, 0, 0], [255, 179, 0], [128, 62, 117], [255, 104, 0], [166, 189, 215], [193, 0, 32], [206, 162, 98],
  [0, 125, 52], [246, 118, 142], [0, 83, 138], [255, 122, 92], [83, 55, 122], [255, 142, 0], [179, 40, 81],
  [244, 200, 0], [127, 24, 13], [147, 170, 0], [89, 51, 21], [241, 58, 19], [35, 44, 22],
];

export function labelColour(index: number): [number, number, number] {
  if (index < PALETTE.length) return PALETTE[index]!;
  // Golden-angle hues for long label lists.
  const h = (index * 137.508) % 360;
  const c = 200;
  const x = Math.round(c * (1 - Math.abs(((h / 60) % 2) - 1)));
  const seg = Math.floor(h / 60);
  const rgb: [number, number, number][] = [[c, x, 0], [x, c, 0], [0, c, x], [0, x, c], [x, 0, c], [c, 0, x]];
  return rgb[seg]!;
}

/** The photo (raw, `ch` channels, w×h) with each part of `map` (any size) tinted in its colour; RGB out. */
export function tint(rgb: Uint8Array, w: number, h: number, ch: number, map: Pick<LabelMap, 'width' | 'height' | 'data'>): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const xs = new Int32Array(w);
  for (let x = 0; x < w; x++) xs[x] = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / w));
  const colours = Array.from({ length: 256 }, (_, i) => labelColour(i));
  for (let y = 0; y < h; y++) {
    const my = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / h)) * map.width;
    for (let x = 0; x < w; x++) {
      const label = map.data[my + xs[x]!]!;
      const s = (y * w + x) * ch;
      const o = (y * w + x) * 3;
      if (label === 0) {
        out[o] = rgb[s]! * 0.6;
        out[o + 1] = rgb[s + 1]! * 0.6;
        out[o + 2] = rgb[s + 2]! * 0.6;
      } else {
        const c = colours[label]!;
        out[o] = rgb[s]! * 0.45 + c[0] * 0.55;
        out[o + 1] = rgb[s + 1]! * 0.45 + c[1] * 0.55;
        out[o + 2] = rgb[s + 2]! * 0.45 + c[2] * 0.55;
      }
    }
  }
  return out;
}

/** The edit mask (inverted: everything but the selection) and its bounding box (null when empty). */
export function maskWithBox(map: LabelMap, opts: MaskOptions, invert = false): { mask: Mask; box: ReturnType<typeof maskBoundingBox> } {
  const mask = buildMask(map, opts);
  if (invert) for (let i = 0, d = mask.data; i < d.length; i++) d[i] = d[i] ? 0 : 255;
  return { mask, box: maskBoundingBox(mask) };
}
