/**
 * Coarse grids: a photo region summarised in cells of f×f pixels. Large-scale fields (the base
 * lightness of a part, the guided-filter coefficients, the colour of the old background) are
 * computed on them, then sampled bilinearly at full resolution. Box filters are running sums,
 * linear in the cell count whatever the radius; they take Float64Arrays only, so the loops stay
 * monomorphic (mixing array types made them several times slower).
 */

/** Sum over a (2r+1)² window with zero padding (separable running sums); `out` must not be `src`. */
export function boxSum(src: Float64Array, w: number, h: number, r: number, out: Float64Array, tmp?: Float64Array): void {
  const t = tmp && tmp.length >= w * h ? tmp : new Float64Array(w * h);
  if (r <= 0) {
    out.set(src);
    return;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let acc = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) acc += src[row + x]!;
    for (let x = 0; x < w; x++) {
      t[row + x] = acc;
      const add = x + r + 1;
      const sub = x - r;
      if (add < w) acc += src[row + add]!;
      if (sub >= 0) acc -= src[row + sub]!;
    }
  }
  const col = new Float64Array(w);
  for (let y = 0; y <= Math.min(r, h - 1); y++) for (let x = 0; x < w; x++) col[x] += t[y * w + x]!;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) out[row + x] = col[x]!;
    const add = y + r + 1;
    const sub = y - r;
    if (add < h) for (let x = 0; x < w; x++) col[x] += t[add * w + x]!;
    if (sub >= 0) for (let x = 0; x < w; x++) col[x] -= t[sub * w + x]!;
  }
}

/** Mean over the in-bounds part of a (2r+1)² window. */
export function boxMean(src: Float64Array, w: number, h: number, r: number, out: Float64Array, tmp?: Float64Array): void {
  boxSum(src, w, h, r, out, tmp);
  if (r <= 0) return;
  for (let y = 0; y < h; y++) {
    const ny = Math.min(h - 1, y + r) - Math.max(0, y - r) + 1;
    for (let x = 0; x < w; x++) {
      const nx = Math.min(w - 1, x + r) - Math.max(0, x - r) + 1;
      out[y * w + x] /= nx * ny;
    }
  }
}

/** Three box passes ≈ a gaussian of the given sigma (in cells); zero padding, sums (not means). */
export function gaussSum(src: Float64Array, w: number, h: number, sigma: number, out: Float64Array): void {
  // Three boxes of radius r have variance 3·((2r+1)² − 1)/12 = r(r+1).
  const r = Math.max(0, Math.round((-1 + Math.sqrt(1 + 4 * sigma * sigma)) / 2));
  const a = new Float64Array(w * h);
  const tmp = new Float64Array(w * h);
  boxSum(src, w, h, r, a, tmp);
  boxSum(a, w, h, r, out, tmp);
  boxSum(out, w, h, r, a, tmp);
  out.set(a);
}

/**
 * Normalised convolution: blur(values) / blur(weights), where `values` are weighted sums. Cells
 * with no weight nearby get `fallback`. The weight of a source never leaks past its own region,
 * which is what keeps a person's colour out of a blurred background.
 */
export function normalisedBlur(values: Float64Array, weights: Float64Array, w: number, h: number, sigma: number, fallback: number, out: Float32Array): void {
  const v = new Float64Array(w * h);
  const k = new Float64Array(w * h);
  gaussSum(values, w, h, sigma, v);
  gaussSum(weights, w, h, sigma, k);
  for (let i = 0; i < w * h; i++) out[i] = k[i]! > 1e-9 ? v[i]! / k[i]! : fallback;
}

/**
 * Column lookup for bilinear sampling of a grid with cells of `f` pixels starting at `origin`:
 * for each pixel column x in [x0, x1), the left cell and the weight of the right one.
 */
export function sampleAxis(x0: number, x1: number, origin: number, f: number, cells: number): { i0: Int32Array; t: Float32Array } {
  const n = x1 - x0;
  const i0 = new Int32Array(n);
  const t = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    let g = (x0 + k - origin + 0.5) / f - 0.5;
    if (g < 0) g = 0;
    if (g > cells - 1) g = cells - 1;
    let c = Math.floor(g);
    if (c >= cells - 1) c = Math.max(0, cells - 2);
    i0[k] = c;
    t[k] = cells > 1 ? g - c : 0;
  }
  return { i0, t };
}

/** Bilinear value of `grid` at cell (cx + tx, cy + ty). */
export function bilinear(grid: Float32Array, gw: number, gh: number, cx: number, tx: number, cy: number, ty: number): number {
  const cx1 = gw > 1 ? cx + 1 : cx;
  const cy1 = gh > 1 ? cy + 1 : cy;
  const r0 = cy * gw, r1 = cy1 * gw;
  const a = grid[r0 + cx]!, b = grid[r0 + cx1]!, c = grid[r1 + cx]!, d = grid[r1 + cx1]!;
  const top = a + (b - a) * tx;
  return top + (c + (d - c) * tx - top) * ty;
}
