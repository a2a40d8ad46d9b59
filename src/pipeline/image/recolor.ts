import { GAMUT_STEPS, hexToRgb, oklch } from './color.js';
import { HIST_BINS, type LightnessMap } from './kernels/recolor.js';
import type { PixelPool } from './pool.js';
import { ref, rowBands, type Box } from './shared.js';
import type { RawImage } from '../../core/image-io.js';

/**
 * Recolouring that keeps shading and texture (kernels/recolor.ts does the pixels). This module
 * decides the lightness mapping from the part's statistics and the target colour.
 */
export type Material = 'default' | 'hair';

export interface RecolorRequest {
  image: RawImage;
  /** Feathered edit alpha, photo-sized (0 outside the part). */
  alpha: SharedArrayBuffer;
  box: Box;
  /** Target "#rrggbb". */
  color: string;
  material?: Material;
  /** Sigma of the base (large-scale) lightness as a fraction of the photo's longer side. */
  baseSigma?: number;
}

/** Weighted percentile of a lightness histogram (0..1). */
export function histPercentile(hist: Float64Array, total: number, q: number): number {
  let acc = 0;
  const want = q * total;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= want) return (i + 0.5) / hist.length;
  }
  return 1;
}

/**
 * Target lightness and chroma for a part. Hair takes natural-hair values when the colour is in the
 * golden-to-red family (a "gold" or "yellow" request on hair means blonde, not a yellow wig):
 * chroma is capped as real hair never reaches a printer's yellow.
 */
export function recolorTarget(color: string, material: Material): { L: number; C: number; h: number } {
  const t = oklch(hexToRgb(color));
  let { L, C } = t;
  const deg = ((t.h * 180) / Math.PI + 360) % 360;
  if (material === 'hair' && C > 0.02 && deg >= 25 && deg <= 115) {
    C = Math.min(C, 0.11);
    L = Math.min(L, 0.86);
  }
  return { L, C, h: t.h };
}

/**
 * The lightness mapping: the part's mean moves to the target's lightness; its large-scale spread
 * (folds, shadows) scales with the ratio of the two (as lightness does under the same light),
 * limited so the lit and shaded ends stay inside 0..1; fine detail is added back unscaled.
 */
export function planLightness(stats: { mean: number; p02: number; p98: number }, targetL: number): LightnessMap {
  const target = Math.min(0.93, Math.max(0.16, targetL));
  const mean = Math.max(0.01, stats.mean);
  let scale = Math.min(1.5, Math.max(0.5, target / mean));
  const up = stats.p98 - mean;
  const down = mean - stats.p02;
  if (up > 1e-3) scale = Math.min(scale, Math.max(0.35, (0.95 - target) / up));
  if (down > 1e-3) scale = Math.min(scale, Math.max(0.35, (target - 0.05) / down));
  return { mean, target, scale, detailGain: 1 };
}

export async function recolorPart(pool: PixelPool, req: RecolorRequest): Promise<RawImage> {
  const { image, box } = req;
  const imgRef = ref(image);
  const long = Math.max(image.width, image.height);
  const sigma = Math.max(1.5, (req.baseSigma ?? 0.012) * long);
  const cell = Math.max(1, Math.floor(sigma / 3));
  const gw = Math.ceil(box.width / cell);
  const gh = Math.ceil(box.height / cell);
  const sumW = new SharedArrayBuffer(gw * gh * 8);
  const sumWL = new SharedArrayBuffer(gw * gh * 8);
  const bands = rowBands(box.top, box.top + box.height, pool.threads * 2, cell);
  const parts = await Promise.all(bands.map((rows) => pool.run({ kind: 'recolor.stats', image: imgRef, alpha: req.alpha, box, rows, cell, gw, gh, sumW, sumWL })));
  const hist = new Float64Array(HIST_BINS);
  let weight = 0;
  let weightedL = 0;
  for (const p of parts) {
    weight += p.weight;
    weightedL += p.weightedL;
    for (let i = 0; i < HIST_BINS; i++) hist[i] += p.hist[i]!;
  }
  if (weight <= 0) return image;
  const mean = weightedL / weight;
  const target = recolorTarget(req.color, req.material ?? 'default');
  const map = planLightness({ mean, p02: histPercentile(hist, weight, 0.02), p98: histPercentile(hist, weight, 0.98) }, target.L);
  const base = new SharedArrayBuffer(gw * gh * 4);
  const gamut = new SharedArrayBuffer(GAMUT_STEPS * 4);
  await pool.run({ kind: 'recolor.base', gw, gh, sigma: sigma / cell, fallback: mean, sumW, sumWL, base, hue: target.h, gamut });
  await Promise.all(
    rowBands(box.top, box.top + box.height, pool.threads * 2).map((rows) =>
      pool.run({ kind: 'recolor.apply', image: imgRef, alpha: req.alpha, box, rows, cell, gw, gh, base, map, chroma: target.C, hue: target.h, gamut }),
    ),
  );
  return { ...image, data: Buffer.from(imgRef.buffer, 0, image.data.length) };
}
