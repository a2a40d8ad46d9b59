import sharp from 'sharp';
import type { RawImage } from '../../core/image-io.js';

export type OutputFormat = 'png' | 'jpeg' | 'webp';

/**
 * zlib level for PNG output: a 12 MP photo takes ~1.85 s at the default level 6 and a fraction of
 * that at 2 (DESIGN.md facts). Adaptive row filtering costs ~15% more time here but makes photo PNGs
 * 2–3× smaller, which matters for chat upload limits.
 */
export const PNG_COMPRESSION_LEVEL = 2;
const JPEG_QUALITY = 92;
const WEBP_QUALITY = 90;

function pipeline(img: RawImage): sharp.Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
}

/** Encodes the full-resolution result. JPEG has no alpha: transparency is flattened onto white. */
export async function encodeImage(img: RawImage, opts: { format: OutputFormat; quality?: number }): Promise<Buffer> {
  const p = pipeline(img);
  switch (opts.format) {
    case 'png':
      return p.png({ compressionLevel: PNG_COMPRESSION_LEVEL, adaptiveFiltering: true }).toBuffer();
    case 'jpeg':
      return (img.channels === 4 || img.channels === 2 ? p.flatten({ background: '#ffffff' }) : p)
        // Huffman optimisation costs ~7× the encode time of a 12 MP photo for ~3% smaller files.
        .jpeg({ quality: opts.quality ?? JPEG_QUALITY, optimiseCoding: false })
        .toBuffer();
    case 'webp':
      return p.webp({ quality: opts.quality ?? WEBP_QUALITY }).toBuffer();
  }
}

/** The output format for a file name, or undefined for an extension we do not write. */
export function formatForPath(file: string): OutputFormat | undefined {
  const ext = file.toLowerCase().split('.').pop();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'webp') return 'webp';
  return undefined;
}

/**
 * What to upload to a chat platform: PNG when it fits the limit (lossless, keeps transparency),
 * otherwise high-quality JPEG, stepping the quality down until it fits. The resolution is never
 * reduced; if even the lowest quality is too large the smallest attempt is returned and the
 * caller's upload reports the limit.
 */
export async function encodeForUpload(
  img: RawImage,
  limitBytes: number,
): Promise<{ data: Buffer; mimeType: 'image/png' | 'image/jpeg'; filename: string }> {
  const png = await encodeImage(img, { format: 'png' });
  if (png.length <= limitBytes) return { data: png, mimeType: 'image/png', filename: 'edited.png' };
  let best: Buffer | undefined;
  for (const quality of [92, 85, 75, 60]) {
    const jpeg = await encodeImage(img, { format: 'jpeg', quality });
    if (!best || jpeg.length < best.length) best = jpeg;
    if (jpeg.length <= limitBytes) break;
  }
  return { data: best!, mimeType: 'image/jpeg', filename: 'edited.jpg' };
}
