import type { Box, ImageRef } from '../shared.js';
import { FieldSampler, type FieldSource } from './matte.js';

/**
 * Field kernels: pack a region with a mask as RGBA (for a masked blur in libvips), and blend a
 * field (e.g. a blurred copy) into the photo with the feathered alpha.
 */
export interface PackTask {
  kind: 'field.pack';
  image: ImageRef;
  mask: SharedArrayBuffer;
  region: Box;
  rows: [number, number];
  /** Region-sized RGBA output. */
  out: SharedArrayBuffer;
}

export function packKernel(t: PackTask): void {
  const { image, region } = t;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const mask = new Uint8Array(t.mask);
  const out = new Uint8Array(t.out);
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    let i = y * image.width + region.left;
    let q = (y - region.top) * region.width * 4;
    for (let x = 0; x < region.width; x++, i++, q += 4) {
      const p = i * c;
      out[q] = data[p]!;
      out[q + 1] = data[p + 1]!;
      out[q + 2] = data[p + 2]!;
      out[q + 3] = mask[i] ? 255 : 0;
    }
  }
}

export interface FieldBlendTask {
  kind: 'field.blend';
  image: ImageRef;
  /** Feathered alpha (photo-sized); absent = the whole box at full strength. */
  alpha?: SharedArrayBuffer;
  box: Box;
  rows: [number, number];
  source: FieldSource;
}

export function fieldBlendKernel(t: FieldBlendTask): void {
  const { image, box } = t;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const alpha = t.alpha ? new Uint8Array(t.alpha) : undefined;
  const sampler = new FieldSampler(t.source, box.left, box.left + box.width);
  const v = [0, 0, 0];
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    sampler.row(y);
    let i = y * image.width + box.left;
    for (let x = 0; x < box.width; x++, i++) {
      const a = alpha ? alpha[i]! : 255;
      if (a === 0) continue;
      if (!sampler.at(x, v, 0)) continue;
      const p = i * c;
      for (let k = 0; k < 3; k++) {
        const o = data[p + k]!;
        const n = v[k]!;
        const val = a === 255 ? n : o + ((n - o) * a) / 255;
        data[p + k] = val <= 0 ? 0 : val >= 255 ? 255 : (val + 0.5) | 0;
      }
    }
  }
}
