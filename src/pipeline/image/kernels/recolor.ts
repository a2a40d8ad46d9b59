import { GAMUT_STEPS, encodeLinear, maxChromaTable, oklabL, oklabToLinear } from '../color.js';
import type { Box, ImageRef } from '../shared.js';
import { bilinear, normalisedBlur, sampleAxis } from './grid.js';

/**
 * Recolouring in OKLab that keeps shading and texture. Pass 1 (bands) measures the part's
 * lightness: weighted sums per coarse cell and a histogram. Pass 2 (one task) blurs the cells into
 * the part's base lightness, normalised by the part's own weight so the surroundings never enter.
 * Pass 3 (bands) writes each pixel: base lightness moved towards the target (affine, so folds and
 * shadows keep their shape), plus the pixel's own detail L − base unchanged (knit, strands), with
 * the target's hue and a chroma that follows lightness as shading does, reduced to the sRGB gamut
 * of that hue at constant lightness and hue.
 */
export const HIST_BINS = 256;

export interface RecolorStatsTask {
  kind: 'recolor.stats';
  image: ImageRef;
  alpha: SharedArrayBuffer;
  box: Box;
  rows: [number, number];
  /** Cell size in pixels and grid size (cells cover the box from its top-left corner). */
  cell: number;
  gw: number;
  gh: number;
  /** Float64 grids gw×gh: summed weights and weighted lightness. */
  sumW: SharedArrayBuffer;
  sumWL: SharedArrayBuffer;
}

export interface RecolorStats {
  weight: number;
  weightedL: number;
  hist: Float64Array;
}

export function recolorStatsKernel(t: RecolorStatsTask): RecolorStats {
  const { image, box, cell, gw } = t;
  const w = image.width;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const alpha = new Uint8Array(t.alpha);
  const sumW = new Float64Array(t.sumW);
  const sumWL = new Float64Array(t.sumWL);
  const hist = new Float64Array(HIST_BINS);
  let weight = 0;
  let weightedL = 0;
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    const cy = ((y - box.top) / cell) | 0;
    const rowCells = cy * gw;
    let i = y * w + box.left;
    let p = i * c;
    for (let x = 0; x < box.width; x++, i++, p += c) {
      const a = alpha[i]!;
      if (a === 0) continue;
      const k = a / 255;
      const L = oklabL(data[p]!, data[p + 1]!, data[p + 2]!);
      const g = rowCells + ((x / cell) | 0);
      sumW[g] += k;
      sumWL[g] += k * L;
      weight += k;
      weightedL += k * L;
      hist[Math.min(HIST_BINS - 1, (L * HIST_BINS) | 0)] += k;
    }
  }
  return { weight, weightedL, hist };
}

export interface RecolorBaseTask {
  kind: 'recolor.base';
  gw: number;
  gh: number;
  sigma: number;
  fallback: number;
  sumW: SharedArrayBuffer;
  sumWL: SharedArrayBuffer;
  /** Float32 gw×gh output: the part's base lightness per cell. */
  base: SharedArrayBuffer;
  /** Target hue (radians) and the Float32 GAMUT_STEPS output for its gamut boundary. */
  hue: number;
  gamut: SharedArrayBuffer;
}

export function recolorBaseKernel(t: RecolorBaseTask): void {
  normalisedBlur(new Float64Array(t.sumWL), new Float64Array(t.sumW), t.gw, t.gh, t.sigma, t.fallback, new Float32Array(t.base));
  new Float32Array(t.gamut).set(maxChromaTable(t.hue));
}

/** How the lightness maps: L' = target + (base − mean)·scale + (L − base)·detailGain, soft-clipped. */
export interface LightnessMap {
  mean: number;
  target: number;
  scale: number;
  detailGain: number;
}

export interface RecolorApplyTask {
  kind: 'recolor.apply';
  image: ImageRef;
  alpha: SharedArrayBuffer;
  box: Box;
  rows: [number, number];
  cell: number;
  gw: number;
  gh: number;
  base: SharedArrayBuffer;
  map: LightnessMap;
  /** Target chroma and hue (radians) in OKLab. */
  chroma: number;
  hue: number;
  /** Max in-gamut chroma of the hue by lightness (Float32, GAMUT_STEPS entries). */
  gamut: SharedArrayBuffer;
}

/** Keeps L' in (0, 1) without a hard edge: linear in [lo, hi], exponential approach beyond. */
export function softClip(v: number, lo = 0.06, hi = 0.94): number {
  if (v > hi) return 1 - (1 - hi) * Math.exp(-(v - hi) / (1 - hi));
  if (v < lo) return lo * Math.exp((v - lo) / lo);
  return v;
}

export function recolorApplyKernel(t: RecolorApplyTask): void {
  const { image, box, cell, gw, gh, map } = t;
  const gamut = new Float32Array(t.gamut);
  const w = image.width;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const alpha = new Uint8Array(t.alpha);
  const base = new Float32Array(t.base);
  const cosH = Math.cos(t.hue), sinH = Math.sin(t.hue);
  const ratio = map.target > 0.02 ? t.chroma / map.target : 0;
  const cols = sampleAxis(box.left, box.left + box.width, box.left, cell, gw);
  const rows = sampleAxis(t.rows[0], t.rows[1], box.top, cell, gh);
  const lin = [0, 0, 0];
  const top = GAMUT_STEPS - 1;
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    const cy = rows.i0[y - t.rows[0]]!, ty = rows.t[y - t.rows[0]]!;
    let i = y * w + box.left;
    let p = i * c;
    for (let x = 0; x < box.width; x++, i++, p += c) {
      const a = alpha[i]!;
      if (a === 0) continue;
      const r = data[p]!, g = data[p + 1]!, b = data[p + 2]!;
      const L = oklabL(r, g, b);
      const bs = bilinear(base, gw, gh, cols.i0[x]!, cols.t[x]!, cy, ty);
      const Ln = softClip(map.target + (bs - map.mean) * map.scale + (L - bs) * map.detailGain);
      const gi = (Ln * top + 0.5) | 0;
      const limit = gamut[gi < 0 ? 0 : gi > top ? top : gi]! * 0.985;
      let C = ratio * Ln;
      if (C > limit) C = limit;
      oklabToLinear(Ln, C * cosH, C * sinH, lin);
      const nr = encodeLinear(lin[0]!), ng = encodeLinear(lin[1]!), nb = encodeLinear(lin[2]!);
      if (a === 255) {
        data[p] = nr;
        data[p + 1] = ng;
        data[p + 2] = nb;
      } else {
        const k = a / 255;
        data[p] = Math.round(r + (nr - r) * k);
        data[p + 1] = Math.round(g + (ng - g) * k);
        data[p + 2] = Math.round(b + (nb - b) * k);
      }
    }
  }
}
