import sharp from 'sharp';
import { UserFacingError } from '../util/errors.js';

export interface ImageLimits {
  maxPixels: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: ImageLimits = { maxPixels: 50_000_000, maxBytes: 50 * 1024 * 1024 };

/** Header facts of a photo, with width/height as the photo appears upright (EXIF applied). */
export interface ImageInfo {
  format: string;
  width: number;
  height: number;
  /** EXIF orientation 1..8 (1 = as stored). */
  orientation: number;
  hasAlpha: boolean;
  pages: number;
  bytes: number;
}

/** Interleaved 8-bit pixels of the upright photo. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

const READABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/**
 * Reads a photo's header and checks it against the limits before any pixel is decoded, so a
 * decompression bomb is refused cheaply. Throws a UserFacingError the user can act on.
 */
export async function inspectImage(input: Buffer, limits: ImageLimits = DEFAULT_LIMITS): Promise<ImageInfo> {
  if (input.length === 0) throw new UserFacingError('image.empty');
  if (input.length > limits.maxBytes) {
    throw new UserFacingError('image.too_many_bytes', { size: formatBytes(input.length), limit: formatBytes(limits.maxBytes) });
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    // The decoder's own words (libvips, glib) go to the logs with the cause, never to the user.
    throw new UserFacingError('image.not_image', {}, { cause: err });
  }
  if (meta.format && !READABLE.has(meta.format)) throw new UserFacingError('image.unsupported_format', { format: meta.format.toUpperCase() });
  if (!meta.format || !meta.width || !meta.height) throw new UserFacingError('image.not_image');
  const pageHeight = meta.pageHeight && meta.pages && meta.pages > 1 ? meta.pageHeight : meta.height;
  const pixels = meta.width * pageHeight;
  if (pixels > limits.maxPixels) {
    throw new UserFacingError('image.too_large', {
      megapixels: (pixels / 1e6).toFixed(1),
      limit: `${(limits.maxPixels / 1e6).toFixed(0)} MP`,
    });
  }
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  return {
    format: meta.format,
    width: swap ? pageHeight : meta.width,
    height: swap ? meta.width : pageHeight,
    orientation,
    hasAlpha: Boolean(meta.hasAlpha),
    pages: meta.pages ?? 1,
    bytes: input.length,
  };
}

/**
 * A sharp pipeline over the upright first frame in 8-bit sRGB, with the pixel limit enforced by
 * libvips as well. Truncated or corrupt data fails with a clear message when the pixels are read.
 */
export function uprightPipeline(input: Buffer, limits: ImageLimits = DEFAULT_LIMITS): sharp.Sharp {
  return sharp(input, { limitInputPixels: limits.maxPixels, pages: 1, page: 0, failOn: 'error', sequentialRead: true })
    .rotate()
    .toColourspace('srgb');
}

/** Decodes the upright first frame into raw 8-bit pixels with the requested channel count. */
export async function decodeImage(
  input: Buffer,
  options: { channels: 3 | 4; limits?: ImageLimits } = { channels: 3 },
): Promise<RawImage & { info: ImageInfo }> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const info = await inspectImage(input, limits);
  let pipeline = uprightPipeline(input, limits);
  pipeline = options.channels === 4 ? pipeline.ensureAlpha() : pipeline.removeAlpha();
  try {
    const { data, info: out } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { data, width: out.width, height: out.height, channels: out.channels as 3 | 4, info };
  } catch (err) {
    throw new UserFacingError('image.corrupt', {}, { cause: err });
  }
}

