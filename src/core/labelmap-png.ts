import sharp from 'sharp';
import { UserFacingError } from '../util/errors.js';
import type { LabelMap } from './types.js';

/**
 * Label map files (DESIGN.md): 8-bit single-channel PNG, pixel value = index of the label in the
 * active model's label list. Low zlib level: label maps are flat and compress well anyway, and a
 * 12 MP map must not cost seconds.
 */
export async function encodeLabelMap(map: LabelMap): Promise<Buffer> {
  // Without 'b-w' sharp would write one raw channel as an RGB PNG.
  return sharp(map.data, { raw: { width: map.width, height: map.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}

/** Reads a label map PNG and refuses any value that is not an index into `labels`. */
export async function decodeLabelMap(png: Buffer, labels: readonly string[]): Promise<LabelMap> {
  if (png.length === 0) throw new UserFacingError('segment.labelmap_unreadable', { detail: 'empty file' });
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    const meta = await sharp(png).metadata();
    if (meta.format !== 'png') throw new Error(`${meta.format ?? 'unknown'} instead of PNG`);
    if (meta.depth && meta.depth !== 'uchar') throw new Error(`${meta.depth} samples instead of 8-bit`);
    // A grey file decodes to one channel only when asked: sharp converts to sRGB by default.
    const pipeline = sharp(png, { failOn: 'error', limitInputPixels: 100_000_000 });
    raw = await (meta.channels !== undefined && meta.channels <= 2 ? pipeline.extractChannel(0) : pipeline)
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw new UserFacingError('segment.labelmap_unreadable', { detail: firstLine(err) }, { cause: err });
  }
  const { width, height, channels } = raw.info;
  const data = channels === 1 ? new Uint8Array(raw.data.buffer, raw.data.byteOffset, width * height) : firstChannel(raw.data, channels, width * height);
  const count = labels.length;
  for (let i = 0, n = data.length; i < n; i++) {
    if (data[i]! >= count) {
      throw new UserFacingError('segment.labelmap_bad_value', {
        value: data[i]!,
        x: i % width,
        y: Math.floor(i / width),
        count,
        max: count - 1,
      });
    }
  }
  return { width, height, data, labels };
}

/** A grey PNG saved as RGB(A) by some editor: take the first channel, refusing real colour. */
function firstChannel(buf: Buffer, channels: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  const colour = channels >= 3;
  for (let i = 0, j = 0; i < pixels; i++, j += channels) {
    const v = buf[j]!;
    if (colour && (buf[j + 1] !== v || buf[j + 2] !== v)) {
      throw new UserFacingError('segment.labelmap_unreadable', { detail: 'colour pixels; expected grey values = label indices' });
    }
    out[i] = v;
  }
  return out;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 120);
}
