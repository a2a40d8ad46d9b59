import type { RawImage } from '../../core/image-io.js';
import type { MatteGeometry } from './kernels/matte.js';
import type { BackgroundSource, FieldSource } from './kernels/matte-apply.js';
import { COARSE_PLANES, FINE_PLANES, SOLVED_PLANES } from './kernels/matte.js';
import type { PixelPool } from './pool.js';
import { ref, rowBands, sharedBytes, type Box } from './shared.js';

/**
 * Matte compositing (see kernels/matte.ts): the sizes below scale with the photo, so a 600 px test
 * image and a 12 MP photo get the same look. The band is where a segmenter's boundary is unsure
 * (a 512 px label map upsampled to 4000 px is off by several pixels).
 */
export interface MatteSizes {
  /** Fine cell (px): the guided filter runs on cells of this size (the "fast" guided filter). */
  cell: number;
  /** Coarse cells per fine cell for colour estimates (old background, kept colours). */
  coarse: number;
  /** Half-width of the soft band (px). */
  band: number;
  /** Guided filter radius (px) and regularisation. */
  radius: number;
  eps: number;
}

export function matteSizes(width: number, height: number): MatteSizes {
  const long = Math.max(width, height);
  // Full resolution up to 1500 px; above, cells of long/500 px (8 px at 4000) keep the filter's cost flat.
  const cell = long <= 1500 ? 1 : Math.max(2, Math.round(long / 500));
  return {
    cell,
    coarse: Math.max(1, Math.round(long / 250 / cell)),
    band: Math.max(3, Math.round(long / 160)),
    radius: Math.max(2, Math.round(long / 250)),
    eps: 0.002,
  };
}

export interface MatteRequest {
  image: RawImage;
  /** The label map's pixels (shared) and which labels are kept (the matte's foreground). */
  map: SharedArrayBuffer;
  keep: Uint8Array;
  /** Where anything may change (covers every replaced pixel and the band around them); default the photo. */
  region?: Box;
  mode: 'replace' | 'alpha';
  /** The new background; may still be in preparation (a photo being scaled) while the statistics run. */
  source?: BackgroundSource | Promise<{ source: BackgroundSource; wrap?: FieldSource }>;
  wrap?: number;
  wrapSource?: FieldSource;
  sizes?: MatteSizes;
}

/** The geometry of the grids over `region`, aligned so bands never share a coarse cell. */
export function matteGeometry(region: Box, sizes: MatteSizes): MatteGeometry {
  const gw = Math.ceil(region.width / sizes.cell);
  const gh = Math.ceil(region.height / sizes.cell);
  const cc = sizes.cell * sizes.coarse;
  return { region, cell: sizes.cell, gw, gh, coarse: sizes.coarse, cw: Math.ceil(region.width / cc), ch: Math.ceil(region.height / cc) };
}

/** Grows a box by `margin` pixels, clipped to the photo. */
export function growBox(box: Box, margin: number, width: number, height: number): Box {
  const left = Math.max(0, box.left - margin);
  const top = Math.max(0, box.top - margin);
  const right = Math.min(width, box.left + box.width + margin);
  const bottom = Math.min(height, box.top + box.height + margin);
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Runs the three matte passes on the pool. 'replace' writes into `image` (shared) and returns it;
 * 'alpha' returns a new RGBA image. When the region holds nothing but kept pixels, nothing runs
 * after the statistics (`changed` 0, `keptShare` 1).
 */
export async function matteComposite(pool: PixelPool, req: MatteRequest): Promise<{ image: RawImage; changed: number; keptShare: number }> {
  const image = req.image;
  const imgRef = ref(image);
  const full = { left: 0, top: 0, width: image.width, height: image.height };
  const sizes = req.sizes ?? matteSizes(image.width, image.height);
  const region = req.mode === 'alpha' ? full : (req.region ?? full);
  const geo = matteGeometry(region, sizes);
  const n = geo.gw * geo.gh;
  const m = geo.cw * geo.ch;
  const fine = new SharedArrayBuffer(FINE_PLANES * n * 4);
  const coarse = new SharedArrayBuffer(COARSE_PLANES * m * 8);
  const bands = rowBands(region.top, region.top + region.height, pool.threads * 2, sizes.cell * sizes.coarse);
  await Promise.all(bands.map((rows) => pool.run({ kind: 'matte.stats', image: imgRef, map: req.map, keep: req.keep, geo, rows, fine, coarse })));
  // The kept share of the region (from the per-cell sums: a loop over cells, not pixels).
  const kept = new Float32Array(fine, 3 * n * 4, n);
  let keptPixels = 0;
  for (let q = 0; q < n; q++) keptPixels += kept[q]!;
  const keptShare = keptPixels / (region.width * region.height);
  if (keptShare >= 1) return { image, changed: 0, keptShare };
  const solved = new SharedArrayBuffer(SOLVED_PLANES * n * 4);
  const solvedCoarse = new SharedArrayBuffer(6 * m * 4);
  const cells = (px: number) => Math.max(1, Math.round(px / sizes.cell));
  await pool.run({
    kind: 'matte.solve',
    geo,
    fine,
    coarse,
    radius: cells(sizes.radius),
    eps: sizes.eps,
    band: cells(sizes.band),
    wrapRadius: cells(sizes.band),
    sourceSigma: Math.max(1, (2 * sizes.band) / (sizes.cell * sizes.coarse)),
    out: solved,
    outCoarse: solvedCoarse,
  });
  let source: BackgroundSource | undefined;
  let wrapSource = req.wrapSource;
  if (req.source instanceof Promise) {
    const prepared = await req.source;
    source = prepared.source;
    wrapSource ??= prepared.wrap;
  } else {
    source = req.source;
  }
  const outImage = req.mode === 'alpha' ? { data: sharedBytes(image.width * image.height * 4), width: image.width, height: image.height, channels: 4 as const } : image;
  const outRef = req.mode === 'alpha' ? ref(outImage) : undefined;
  const allRows = req.mode === 'alpha' ? rowBands(0, image.height, pool.threads * 2) : rowBands(region.top, region.top + region.height, pool.threads * 2);
  const results = await Promise.all(
    allRows.map((rows) =>
      pool.run({
        kind: 'matte.apply',
        mode: req.mode,
        image: imgRef,
        ...(outRef ? { out: outRef } : {}),
        map: req.map,
        keep: req.keep,
        geo,
        rows,
        solved,
        solvedCoarse,
        ...(source ? { source } : {}),
        wrap: req.wrap ?? 0,
        ...(wrapSource ? { wrapSource } : {}),
      }),
    ),
  );
  const changed = results.reduce((s, r) => s + r.changed, 0);
  return { image: req.mode === 'alpha' ? outImage : { ...image, data: Buffer.from(imgRef.buffer, 0, image.data.length) }, changed, keptShare };
}
