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
  /** Optional: the mask shrunk by `px` (its core, away from the boundary's mixed pixels). */
  core?: { px: number; out: SharedArrayBuffer };
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
  const alpha = new Uint8Array(t.alpha, 0, n);
  alpha.set(t.feather > 0 ? featherInside({ width: t.width, height: t.height, data }, t.feather) : data);
  if (t.core) {
    const inv = new Uint8Array(n);
    for (let i = 0; i < n; i++) inv[i] = data[i] ? 0 : 1;
    const grown = dilateSquare(inv, t.width, t.height, Math.max(1, Math.round(t.core.px)));
    const core = new Uint8Array(t.core.out, 0, n);
    for (let i = 0; i < n; i++) core[i] = grown[i] ? 0 : 255;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (data[i]) count++;
  return { box: maskBoundingBox({ width: t.width, height: t.height, data }), coverage: count / n };
}
