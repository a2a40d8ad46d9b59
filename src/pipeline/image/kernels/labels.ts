/**
 * Label-map kernels: the parts histogram and the parts overlay's tint, full passes over a label
 * map (49 million pixels for a 49 MP photo), so they run in the pixel workers like every other
 * per-pixel loop. Pure functions: the same code runs inline for small maps.
 */

/** Pixel counts per label index. */
export function countLabels(data: Uint8Array, slots: number): Float64Array {
  const counts = new Float64Array(Math.max(256, slots));
  for (let i = 0, n = data.length; i < n; i++) counts[data[i]!]++;
  return counts;
}

export interface LabelCountTask {
  kind: 'labels.count';
  map: SharedArrayBuffer;
  length: number;
  slots: number;
}

export function labelCountKernel(t: LabelCountTask): Float64Array {
  return countLabels(new Uint8Array(t.map, 0, t.length), t.slots);
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

/**
 * The photo (raw, `ch` channels, w×h) with each part of the map (any size, sampled at the nearest
 * pixel) tinted in its colour, background darkened; RGB into `out`.
 */
export function tint(rgb: Uint8Array, w: number, h: number, ch: number, map: { width: number; height: number; data: Uint8Array }, out: Uint8Array<ArrayBufferLike> = new Uint8Array(w * h * 3)): Uint8Array<ArrayBufferLike> {
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

export interface LabelTintTask {
  kind: 'labels.tint';
  rgb: SharedArrayBuffer;
  width: number;
  height: number;
  channels: number;
  map: SharedArrayBuffer;
  mapWidth: number;
  mapHeight: number;
  /** Output: RGB, width × height × 3. */
  out: SharedArrayBuffer;
}

export function labelTintKernel(t: LabelTintTask): void {
  const map = { width: t.mapWidth, height: t.mapHeight, data: new Uint8Array(t.map, 0, t.mapWidth * t.mapHeight) };
  tint(new Uint8Array(t.rgb, 0, t.width * t.height * t.channels), t.width, t.height, t.channels, map, new Uint8Array(t.out));
}
