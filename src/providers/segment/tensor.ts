/**
 * Pure pre- and post-processing for segmentation models, shared by the worker and tests. Typed
 * arrays only; nothing is allocated per pixel.
 */

export interface InputSpec {
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** Interleaved 8-bit RGB (or RGBA/grey, by `channels`) at model size → normalised float tensor. */
export function toInputTensor(pixels: Uint8Array, channels: number, spec: InputSpec): Float32Array {
  const hw = spec.width * spec.height;
  if (pixels.length < hw * channels) throw new RangeError(`expected ${hw * channels} bytes of pixels, got ${pixels.length}`);
  const out = new Float32Array(hw * 3);
  const lut = [new Float32Array(256), new Float32Array(256), new Float32Array(256)];
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c]![v] = (v * spec.scale - spec.mean[c]!) / spec.std[c]!;
  const [l0, l1, l2] = lut as [Float32Array, Float32Array, Float32Array];
  const g1 = channels >= 3 ? 1 : 0;
  const g2 = channels >= 3 ? 2 : 0;
  if (spec.layout === 'NCHW') {
    for (let i = 0, s = 0; i < hw; i++, s += channels) {
      out[i] = l0[pixels[s]!]!;
      out[hw + i] = l1[pixels[s + g1]!]!;
      out[2 * hw + i] = l2[pixels[s + g2]!]!;
    }
  } else {
    for (let i = 0, s = 0, o = 0; i < hw; i++, s += channels, o += 3) {
      out[o] = l0[pixels[s]!]!;
      out[o + 1] = l1[pixels[s + g1]!]!;
      out[o + 2] = l2[pixels[s + g2]!]!;
    }
  }
  return out;
}

export interface ScoreGrid {
  /** Scores (logits or probabilities) of shape [1,C,h,w] (NCHW) or [1,h,w,C] (NHWC). */
  data: Float32Array;
  classes: number;
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
}

/** Per-cell argmax of the low-resolution score grid. */
export function gridArgmax(grid: ScoreGrid): Uint8Array {
  const { data, classes, width, height, layout } = grid;
  const hw = width * height;
  const out = new Uint8Array(hw);
  const cs = layout === 'NCHW' ? hw : 1;
  const ps = layout === 'NCHW' ? 1 : classes;
  for (let i = 0; i < hw; i++) {
    const base = i * ps;
    let best = 0;
    let bestV = data[base]!;
    for (let c = 1; c < classes; c++) {
      const v = data[base + c * cs]!;
      if (v > bestV) (bestV = v), (best = c);
    }
    out[i] = best;
  }
  return out;
}

/**
 * Bilinear upsampling of the scores to outW×outH (half-pixel centres, like PyTorch
 * `interpolate(align_corners=False)`) followed by argmax, exactly. Shortcut: where the four grid
 * cells around a pixel agree on the argmax, that label also wins the interpolation (a convex
 * combination keeps the order), so only pixels near part boundaries interpolate every class.
 */
export function upsampleArgmax(grid: ScoreGrid, outW: number, outH: number): Uint8Array {
  const { data, classes, width: gw, height: gh, layout } = grid;
  const am = gridArgmax(grid);
  const hw = gw * gh;
  const cs = layout === 'NCHW' ? hw : 1;
  const ps = layout === 'NCHW' ? 1 : classes;
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  const fx = new Float32Array(outW);
  axis(outW, gw, x0, x1, fx);
  const y0 = new Int32Array(outH);
  const y1 = new Int32Array(outH);
  const fy = new Float32Array(outH);
  axis(outH, gh, y0, y1, fy);
  const out = new Uint8Array(outW * outH);
  // Vertical interpolation of every class, done lazily once per output row that has a boundary
  // pixel and shared by all its pixels: a pixel then mixes two values per class instead of four.
  const rowMix = new Float32Array(classes * gw);
  let mixedFor = -1;
  for (let y = 0; y < outH; y++) {
    const r0 = y0[y]! * gw;
    const r1 = y1[y]! * gw;
    const wy = fy[y]!;
    const row = y * outW;
    for (let x = 0; x < outW; x++) {
      const a = r0 + x0[x]!;
      const b = r0 + x1[x]!;
      const c = r1 + x0[x]!;
      const d = r1 + x1[x]!;
      const la = am[a]!;
      if (la === am[b] && la === am[c] && la === am[d]) {
        out[row + x] = la;
        continue;
      }
      if (mixedFor !== y) {
        for (let k = 0; k < classes; k++) {
          for (let gx = 0; gx < gw; gx++) {
            const top = data[(r0 + gx) * ps + k * cs]!;
            const bottom = data[(r1 + gx) * ps + k * cs]!;
            rowMix[k * gw + gx] = top + (bottom - top) * wy;
          }
        }
        mixedFor = y;
      }
      const wx = fx[x]!;
      const ix0 = x0[x]!;
      const ix1 = x1[x]!;
      let best = 0;
      let bestV = -Infinity;
      for (let k = 0, off = 0; k < classes; k++, off += gw) {
        const left = rowMix[off + ix0]!;
        const v = left + (rowMix[off + ix1]! - left) * wx;
        if (v > bestV) (bestV = v), (best = k);
      }
      out[row + x] = best;
    }
  }
  return out;
}

function axis(outN: number, inN: number, i0: Int32Array, i1: Int32Array, f: Float32Array): void {
  const scale = inN / outN;
  for (let o = 0; o < outN; o++) {
    let src = (o + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    let lo = Math.floor(src);
    if (lo > inN - 1) lo = inN - 1;
    const hi = lo < inN - 1 ? lo + 1 : lo;
    i0[o] = lo;
    i1[o] = hi;
    f[o] = hi === lo ? 0 : src - lo;
  }
}
