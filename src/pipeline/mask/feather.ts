import type { Mask } from '../../core/types.js';
import { insideDistance } from './dilate.js';

/**
 * Alpha for compositing: 255 deep inside the mask, ramping down towards its edge over `radiusPx`,
 * and exactly 0 everywhere outside, so kept pixels are never touched. Linear time (chamfer distance).
 */
export function featherInside(mask: Mask, radiusPx: number): Uint8Array {
  const { width, height, data } = mask;
  const n = width * height;
  const alpha = new Uint8Array(n);
  if (!(radiusPx > 0)) {
    for (let i = 0; i < n; i++) alpha[i] = data[i] ? 255 : 0;
    return alpha;
  }
  const dist = insideDistance(data, width, height);
  // dist is in thirds of a pixel; an edge pixel (dist 3) gets 1/(r+1) of full strength.
  const full = 3 * (radiusPx + 1);
  const scale = 255 / full;
  for (let i = 0; i < n; i++) {
    const d = dist[i]!;
    alpha[i] = d === 0 ? 0 : d >= full ? 255 : Math.max(1, Math.round(d * scale));
  }
  return alpha;
}
