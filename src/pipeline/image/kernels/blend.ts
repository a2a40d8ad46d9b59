import type { Box, ImageRef } from '../shared.js';

/**
 * Blends a 3-channel patch (box-sized) into the photo on rows [y0, y1), in place, with the
 * feathered alpha. Pixels whose alpha is 0 (everything outside the edit mask) are never written.
 */
export interface BlendTask {
  kind: 'blend';
  image: ImageRef;
  patch: SharedArrayBuffer;
  box: Box;
  alpha: SharedArrayBuffer;
  rows: [number, number];
}

export function blendKernel(t: BlendTask): void {
  const { image, box } = t;
  const { width: w, channels: c } = image;
  const data = new Uint8Array(image.buffer);
  const patch = new Uint8Array(t.patch);
  const alpha = new Uint8Array(t.alpha);
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    let i = y * w + box.left;
    let p = i * c;
    let q = (y - box.top) * box.width * 3;
    for (let x = 0; x < box.width; x++, i++, p += c, q += 3) {
      const a = alpha[i]!;
      if (a === 0) continue;
      if (a === 255) {
        data[p] = patch[q]!;
        data[p + 1] = patch[q + 1]!;
        data[p + 2] = patch[q + 2]!;
      } else {
        for (let k = 0; k < 3; k++) {
          const o = data[p + k]!;
          data[p + k] = Math.round(o + ((patch[q + k]! - o) * a) / 255);
        }
      }
    }
  }
}
