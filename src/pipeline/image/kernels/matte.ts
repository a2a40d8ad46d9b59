import type { Box, ImageRef } from '../shared.js';
import { boxMean, normalisedBlur } from './grid.js';

/**
 * Matte refinement and compositing for cut-out, remove, background replacement and background
 * blur. The label map gives a hard "kept" mask (the person); a fast colour guided filter (He et
 * al., 2013/2015; coefficients on a coarse grid, applied with the full-resolution colour) turns it into a soft
 * matte that follows hair and edges, but only inside a band around the boundary: away from it the
 * matte is exactly 0 or 1, so kept pixels stay bit-identical and replaced ones are exactly the
 * new background. In the band, the old background is taken out of mixed pixels (decontamination
 * with the old background's local colour, estimated from pure background cells only), so no halo
 * of it remains, and the new background goes in with the matte.
 */

/**
 * Fine-grid statistics (sums per cell), planar Float32 grids gw×gh: colour (R, G, B in 0..1) and
 * the kept share P. As in the fast guided filter (He & Sun, 2015) the filter then runs on these
 * subsampled images; its coefficients are applied to the full-resolution colour. The guide is the
 * colour, not the luma: a red shirt against a green wall of the same lightness is an edge it sees.
 */
export const FINE_PLANES = 4;
/** Solved planes per fine cell: the filter's coefficients (Ar, Ag, Ab, B), the band weight W and the kept share for the light wrap. */
export const SOLVED_PLANES = 6;
/** Coarse-grid colour sums: old background RGB + count, kept-part RGB + count. */
export const COARSE_PLANES = 8;

export interface MatteGeometry {
  /** The processed rectangle of the photo (grids start at its top-left corner). */
  region: Box;
  cell: number;
  gw: number;
  gh: number;
  /** Coarse cells are `coarse` fine cells wide. */
  coarse: number;
  cw: number;
  ch: number;
}

export interface MatteStatsTask {
  kind: 'matte.stats';
  image: ImageRef;
  map: SharedArrayBuffer;
  /** 256 entries: 1 where the label is kept (the foreground of the matte). */
  keep: Uint8Array;
  geo: MatteGeometry;
  rows: [number, number];
  fine: SharedArrayBuffer;
  coarse: SharedArrayBuffer;
}

export function matteStatsKernel(t: MatteStatsTask): void {
  const { image, geo, keep } = t;
  const { region, cell, gw, gh, cw, ch } = geo;
  const cc = cell * geo.coarse;
  const w = image.width;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const map = new Uint8Array(t.map);
  const n = gw * gh;
  const fine = new Float32Array(t.fine);
  const coarse = new Float64Array(t.coarse);
  const m = cw * ch;
  const inv = 1 / 255;
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    const fy = ((y - region.top) / cell) | 0;
    const cy = ((y - region.top) / cc) | 0;
    let i = y * w + region.left;
    let p = i * c;
    for (let x = 0; x < region.width; x++, i++, p += c) {
      const r8 = data[p]!, g8 = data[p + 1]!, b8 = data[p + 2]!;
      const r = r8 * inv, g = g8 * inv, b = b8 * inv;
      const k = keep[map[i]!]!;
      const f = fy * gw + ((x / cell) | 0);
      fine[f] += r;
      fine[n + f] += g;
      fine[2 * n + f] += b;
      fine[3 * n + f] += k;
      const q = cy * cw + ((x / cc) | 0);
      const o = k ? 4 * m : 0;
      coarse[o + q] += r8;
      coarse[o + m + q] += g8;
      coarse[o + 2 * m + q] += b8;
      coarse[o + 3 * m + q] += 1;
    }
  }
}

export interface MatteSolveTask {
  kind: 'matte.solve';
  geo: MatteGeometry;
  fine: SharedArrayBuffer;
  coarse: SharedArrayBuffer;
  /** Guided filter radius (cells) and regularisation (luma 0..1 squared). */
  radius: number;
  eps: number;
  /** Half-width of the band where the matte may be soft (cells). */
  band: number;
  /** Radius of the neighbourhood whose share of kept pixels drives the light wrap (cells). */
  wrapRadius: number;
  /** Sigma of the normalised blur that estimates the old background and the kept colours (coarse cells). */
  sourceSigma: number;
  /** Outputs: planar Float32 fine grids (SOLVED_PLANES) and coarse grids [bgR, bgG, bgB, fgR, fgG, fgB]. */
  out: SharedArrayBuffer;
  outCoarse: SharedArrayBuffer;
}

export function matteSolveKernel(t: MatteSolveTask): void {
  const { region, cell, gw, gh, cw, ch } = t.geo;
  const n = gw * gh;
  const fine = new Float32Array(t.fine);
  // Per-cell means (edge cells hold fewer pixels): the subsampled guide and input.
  const R = new Float64Array(n), G = new Float64Array(n), Bc = new Float64Array(n), P = new Float64Array(n);
  for (let y = 0; y < gh; y++) {
    const hy = Math.min(cell, region.height - y * cell);
    for (let x = 0; x < gw; x++) {
      const q = y * gw + x;
      const cnt = Math.min(cell, region.width - x * cell) * hy;
      R[q] = fine[q]! / cnt;
      G[q] = fine[n + q]! / cnt;
      Bc[q] = fine[2 * n + q]! / cnt;
      P[q] = fine[3 * n + q]! / cnt;
    }
  }
  // Window means of the guide, its second moments, the input and its products with the guide.
  const tmp = new Float64Array(n);
  const win = (a: Float64Array, b?: Float64Array) => {
    const src = b ? new Float64Array(n) : a;
    if (b) for (let q = 0; q < n; q++) src[q] = a[q]! * b[q]!;
    const o = new Float64Array(n);
    boxMean(src, gw, gh, t.radius, o, tmp);
    return o;
  };
  const mR = win(R), mG = win(G), mB = win(Bc), mP = win(P);
  const mRR = win(R, R), mRG = win(R, G), mRB = win(R, Bc), mGG = win(G, G), mGB = win(G, Bc), mBB = win(Bc, Bc);
  const mRP = win(R, P), mGP = win(G, P), mBP = win(Bc, P);
  const aR = new Float64Array(n), aG = new Float64Array(n), aB = new Float64Array(n), b0 = new Float64Array(n);
  const e = t.eps;
  for (let q = 0; q < n; q++) {
    const r = mR[q]!, g = mG[q]!, b = mB[q]!, pm = mP[q]!;
    // Σ = cov(I, I) + eps·U (symmetric 3×3), c = cov(I, p); a = Σ⁻¹ c by cofactors.
    const s00 = mRR[q]! - r * r + e, s01 = mRG[q]! - r * g, s02 = mRB[q]! - r * b;
    const s11 = mGG[q]! - g * g + e, s12 = mGB[q]! - g * b, s22 = mBB[q]! - b * b + e;
    const c0 = mRP[q]! - r * pm, c1 = mGP[q]! - g * pm, c2 = mBP[q]! - b * pm;
    const i00 = s11 * s22 - s12 * s12, i01 = s02 * s12 - s01 * s22, i02 = s01 * s12 - s02 * s11;
    const i11 = s00 * s22 - s02 * s02, i12 = s01 * s02 - s00 * s12, i22 = s00 * s11 - s01 * s01;
    const det = s00 * i00 + s01 * i01 + s02 * i02;
    const ar = (i00 * c0 + i01 * c1 + i02 * c2) / det;
    const ag = (i01 * c0 + i11 * c1 + i12 * c2) / det;
    const ab = (i02 * c0 + i12 * c1 + i22 * c2) / det;
    aR[q] = ar;
    aG[q] = ag;
    aB[q] = ab;
    b0[q] = pm - ar * r - ag * g - ab * b;
  }
  const out = new Float32Array(t.out);
  const put = (plane: number, values: Float64Array) => out.set(values, plane * n);
  const mean = (src: Float64Array, r: number) => {
    const o = new Float64Array(n);
    boxMean(src, gw, gh, r, o, tmp);
    return o;
  };
  put(0, mean(aR, t.radius));
  put(1, mean(aG, t.radius));
  put(2, mean(aB, t.radius));
  put(3, mean(b0, t.radius));
  // Band: cells whose neighbourhood holds both kept and replaced pixels; 1 near the boundary,
  // falling to exactly 0 where the neighbourhood is pure.
  const pb = mean(P, t.band);
  const W = out.subarray(4 * n, 5 * n);
  for (let q = 0; q < n; q++) {
    const v = pb[q]!;
    W[q] = v < 1e-4 || v > 1 - 1e-4 ? 0 : Math.min(1, 2 * (1 - Math.abs(2 * v - 1)));
  }
  put(5, mean(P, t.wrapRadius));

  // Colour sources from pure coarse cells (eroded by one cell, so mixed edge pixels never count).
  const m = cw * ch;
  const coarse = new Float64Array(t.coarse);
  const outC = new Float32Array(t.outCoarse);
  for (let side = 0; side < 2; side++) {
    const own = side * 4 * m;
    const other = (1 - side) * 4 * m;
    const weight = new Float64Array(m);
    let total = 0;
    const sums = [0, 0, 0];
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let pure = true;
        for (let dy = -1; dy <= 1 && pure; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= ch || xx >= cw) continue;
            if (coarse[other + 3 * m + yy * cw + xx]! > 0) {
              pure = false;
              break;
            }
          }
        }
        const q = y * cw + x;
        const cnt = coarse[own + 3 * m + q]!;
        if (pure && cnt > 0) {
          weight[q] = cnt;
          total += cnt;
          for (let k = 0; k < 3; k++) sums[k] += coarse[own + k * m + q]!;
        }
      }
    }
    // Fallback when no pure cell exists: every pixel of that side.
    const useAll = total === 0;
    let allCnt = 0;
    if (useAll) {
      for (let q = 0; q < m; q++) {
        weight[q] = coarse[own + 3 * m + q]!;
        allCnt += weight[q]!;
        for (let k = 0; k < 3; k++) sums[k] += coarse[own + k * m + q]!;
      }
    }
    const denom = useAll ? Math.max(1, allCnt) : total;
    for (let k = 0; k < 3; k++) {
      const values = new Float64Array(m);
      for (let q = 0; q < m; q++) values[q] = weight[q]! > 0 ? coarse[own + k * m + q]! : 0;
      normalisedBlur(values, weight, cw, ch, t.sourceSigma, sums[k]! / denom, outC.subarray((side * 3 + k) * m, (side * 3 + k + 1) * m));
    }
  }
}
