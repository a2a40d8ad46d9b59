import type { Box, ImageRef } from '../shared.js';

/**
 * Per-pixel tone edits (adjust, grayscale) on rows [y0, y1) of the box, in place, blended by the
 * feathered alpha; pixels whose alpha is 0 are never written.
 */
export interface ToneTask {
  kind: 'tone';
  op: 'adjust' | 'grayscale';
  image: ImageRef;
  alpha: SharedArrayBuffer;
  box: Box;
  rows: [number, number];
  brightness?: number;
  contrast?: number;
  saturation?: number;
}

const clamp8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
/** Rec. 601 luma, the weights sharp's greyscale uses. */
const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

export function toneKernel(t: ToneTask): void {
  const { image, box } = t;
  const w = image.width;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const alpha = new Uint8Array(t.alpha);
  const kb = 1 + (t.brightness ?? 0) / 100;
  const kc = 1 + (t.contrast ?? 0) / 100;
  const ks = 1 + (t.saturation ?? 0) / 100;
  const lut = new Float64Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v * kb - 128) * kc + 128;
  const grey = t.op === 'grayscale';
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    let i = y * w + box.left;
    let p = i * c;
    for (let x = 0; x < box.width; x++, i++, p += c) {
      const a = alpha[i]!;
      if (a === 0) continue;
      const r = data[p]!, g = data[p + 1]!, b = data[p + 2]!;
      let nr: number, ng: number, nb: number;
      if (grey) {
        nr = ng = nb = luma(r, g, b);
      } else {
        const r1 = lut[r]!, g1 = lut[g]!, b1 = lut[b]!;
        const yy = luma(r1, g1, b1);
        nr = yy + (r1 - yy) * ks;
        ng = yy + (g1 - yy) * ks;
        nb = yy + (b1 - yy) * ks;
      }
      if (a === 255) {
        data[p] = clamp8(nr);
        data[p + 1] = clamp8(ng);
        data[p + 2] = clamp8(nb);
      } else {
        const k = a / 255;
        data[p] = clamp8(r + (nr - r) * k);
        data[p + 1] = clamp8(g + (ng - g) * k);
        data[p + 2] = clamp8(b + (nb - b) * k);
      }
    }
  }
}
