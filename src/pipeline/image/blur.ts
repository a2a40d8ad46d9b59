import sharp from 'sharp';
import type { RawImage } from '../../core/image-io.js';
import type { FieldSource } from './kernels/matte-apply.js';
import { growBox, matteComposite, matteSizes } from './matte.js';
import type { PixelPool } from './pool.js';
import { copySliced, ref, rowBands, type Box } from './shared.js';

/**
 * Blur that never bleeds what is kept into what is blurred. The region to blur goes to libvips as
 * RGBA with the region's mask as alpha; libvips blurs premultiplied and divides by the blurred
 * alpha, which is a normalised convolution: a background pixel next to the person becomes the
 * average of nearby *background* only. Large sigmas are computed on a copy shrunk in the pool (the
 * result is smooth anyway) and sampled back bilinearly, premultiplied. The blurred region then
 * goes in through the refined matte, so hair stays sharp over a soft background.
 */
export interface BlurRequest {
  image: RawImage;
  sigma: number;
  /** Whole photo (no parts): box = the photo, no mask. */
  whole?: boolean;
  /** For part blurs: the binary mask of the region to blur, its box, the label map and the kept labels. */
  mask?: SharedArrayBuffer;
  box?: Box;
  map?: SharedArrayBuffer;
  keep?: Uint8Array;
  /** Feathered alpha for whole-photo blurs (optional). */
  alpha?: SharedArrayBuffer;
}

/** Downscale factor for a sigma: blur at ≥ 1.5 px sigma on the small copy. */
function factorFor(sigma: number, region: Box): number {
  if (sigma <= 3) return 1;
  return Math.max(1, Math.min(Math.floor(sigma / 1.5), Math.floor(Math.min(region.width, region.height) / 8)));
}

async function blurredField(input: Buffer, region: Box, channels: 3 | 4, sigma: number): Promise<FieldSource> {
  const f = factorFor(sigma, region);
  const sw = Math.max(2, Math.round(region.width / f));
  const sh = Math.max(2, Math.round(region.height / f));
  let p = sharp(input, { raw: { width: region.width, height: region.height, channels } });
  if (f > 1) p = p.resize(sw, sh, { fit: 'fill', kernel: 'linear' });
  const out = await p.blur(Math.max(0.3, sigma / (f > 1 ? region.width / sw : 1))).raw().toBuffer();
  const data = new SharedArrayBuffer(out.length);
  await copySliced(out, new Uint8Array(data));
  const gw = f > 1 ? sw : region.width;
  const gh = f > 1 ? sh : region.height;
  return { kind: channels === 4 ? 'premult' : 'rgb8', data, gw, gh, left: region.left, top: region.top, cellX: region.width / gw, cellY: region.height / gh };
}

export async function blurImage(pool: PixelPool, req: BlurRequest): Promise<RawImage> {
  const { image } = req;
  const imgRef = ref(image);
  const shared = { ...image, data: Buffer.from(imgRef.buffer, 0, image.data.length) };
  const full = { left: 0, top: 0, width: image.width, height: image.height };
  if (req.whole || !req.mask || !req.map || !req.keep || !req.box) {
    const box = req.box ?? full;
    const rgb = image.channels === 3 ? shared.data : await sharp(shared.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).removeAlpha().raw().toBuffer();
    const margin = Math.ceil(req.sigma * 3);
    const region = growBox(box, margin, image.width, image.height);
    const crop = region.width === image.width && region.height === image.height ? rgb : await sharp(rgb, { raw: { width: image.width, height: image.height, channels: 3 } }).extract(region).raw().toBuffer();
    const source = await blurredField(crop, region, 3, req.sigma);
    await Promise.all(rowBands(box.top, box.top + box.height, pool.threads * 2).map((rows) => pool.run({ kind: 'field.blend', image: imgRef, ...(req.alpha ? { alpha: req.alpha } : {}), box, rows, source })));
    return shared;
  }
  const sizes = matteSizes(image.width, image.height);
  // Everything that may change: the region to blur plus the band on the kept side of its edge.
  const editRegion = growBox(req.box, sizes.band + 2 * sizes.radius, image.width, image.height);
  // What the blur reads: the region to blur plus three sigmas.
  const readRegion = growBox(req.box, Math.ceil(req.sigma * 3), image.width, image.height);
  const f = factorFor(req.sigma, readRegion);
  let source: FieldSource;
  if (f > 1) {
    // Shrink in the pool (box average of the region's pixels only, cells next to kept pixels
    // dropped), then blur the small copy in libvips: no full-size RGBA, no 12 MP resize.
    const gw = Math.ceil(readRegion.width / f);
    const gh = Math.ceil(readRegion.height / f);
    const sums = new SharedArrayBuffer(5 * gw * gh * 8);
    await Promise.all(
      rowBands(readRegion.top, readRegion.top + readRegion.height, pool.threads * 2, f).map((rows) =>
        pool.run({ kind: 'field.down', image: imgRef, mask: req.mask!, map: req.map!, keep: req.keep!, region: readRegion, rows, cell: f, gw, gh, sums }),
      ),
    );
    const small = new SharedArrayBuffer(gw * gh * 4);
    await pool.run({ kind: 'field.downFinish', gw, gh, cell: f, sums, out: small });
    const out = await sharp(Buffer.from(small), { raw: { width: gw, height: gh, channels: 4 } }).blur(Math.max(0.3, req.sigma / f)).raw().toBuffer();
    const data = new SharedArrayBuffer(out.length);
    new Uint8Array(data).set(out);
    source = { kind: 'premult', data, gw, gh, left: readRegion.left, top: readRegion.top, cellX: f, cellY: f };
  } else {
    const rgba = new SharedArrayBuffer(readRegion.width * readRegion.height * 4);
    await Promise.all(rowBands(readRegion.top, readRegion.top + readRegion.height, pool.threads * 2).map((rows) => pool.run({ kind: 'field.pack', image: imgRef, mask: req.mask!, region: readRegion, rows, out: rgba })));
    source = await blurredField(Buffer.from(rgba), readRegion, 4, req.sigma);
  }
  const { image: out } = await matteComposite(pool, { image: shared, map: req.map, keep: req.keep, region: editRegion, mode: 'replace', source, sizes });
  return out;
}
