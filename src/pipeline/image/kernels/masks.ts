import { buildMask, maskBoundingBox } from '../../mask/build.js';
import { dilateSquare } from '../../mask/dilate.js';
import { featherInside } from '../../mask/feather.js';
import type { Box } from '../shared.js';

/**
 * Edit mask and feathered alpha from a label map, in a worker: the label lookup, the edge
 * optimisation, the dilation and the chamfer feather are each a full pass over 12 MP.
 */
export interface MaskTask {
  kind: 'mask';
  map: SharedArrayBuffer;
  width: number;
  height: number;
  labelNames: readonly string[];
  /** Labels of the edit region ("*" = whole photo). */
  labels: readonly string[];
  /** Edit everything except `labels` (cutout keeps the listed parts). */
  complement?: boolean;
  /** Edge optimisation strengths by label name (thesis algorithm 5); none = off. */
  erode?: Record<string, number>;
  /** Grow the edit region by this many pixels (square), e.g. for erase. */
  dilate?: number;
  /** Feather radius inside the mask in pixels; 0 = binary alpha. */
  feather: number;
  /** Outputs: the binary mask (0/255) and the alpha (0 outside, ramp inside). */
  mask: SharedArrayBuffer;
  alpha: SharedArrayBuffer;
}

export function maskKernel(t: MaskTask): { box: Box | null; coverage: number } {
  const n = t.width * t.height;
  const map = { width: t.width, height: t.height, data: new Uint8Array(t.map, 0, n), labels: t.labelNames };
  const built = buildMask(map, { labels: t.labels, optimize: Boolean(t.erode), ...(t.erode ? { erode: t.erode } : {}) });
  let data = built.data;
  if (t.complement) for (let i = 0; i < n; i++) data[i] = data[i] ? 0 : 255;
  if (t.dilate && t.dilate > 0) {
    const grown = dilateSquare(data, t.width, t.height, Math.round(t.dilate));
    for (let i = 0; i < n; i++) grown[i] = grown[i] ? 255 : 0;
    data = grown;
  }
  const out = new Uint8Array(t.mask, 0, n);
  out.set(data);
  const box = maskBoundingBox({ width: t.width, height: t.height, data });
  const alpha = new Uint8Array(t.alpha, 0, n);
  let count = 0;
  if (box) {
    // Feather only the mask's box plus a one-pixel ring (zeros, or the photo's border, which the
    // distance treats as inside): the same alpha as over the whole photo, for a fraction of the cost.
    const x0 = Math.max(0, box.left - 1), y0 = Math.max(0, box.top - 1);
    const x1 = Math.min(t.width, box.left + box.width + 1), y1 = Math.min(t.height, box.top + box.height + 1);
    const cw = x1 - x0, ch = y1 - y0;
    const crop = new Uint8Array(cw * ch);
    for (let y = 0; y < ch; y++) crop.set(data.subarray((y0 + y) * t.width + x0, (y0 + y) * t.width + x1), y * cw);
    const a = t.feather > 0 ? featherInside({ width: cw, height: ch, data: crop }, t.feather) : crop;
    for (let y = 0; y < ch; y++) alpha.set(a.subarray(y * cw, (y + 1) * cw), (y0 + y) * t.width + x0);
    for (let i = 0; i < crop.length; i++) if (crop[i]) count++;
  }
  return { box, coverage: count / n };
}
