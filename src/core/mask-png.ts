import sharp from 'sharp';
import type { Mask } from './types.js';

/** SD WebUI convention: 8-bit grey PNG, white (255) = edit, black = keep. */
export async function encodeMaskPng(mask: Mask): Promise<Buffer> {
  return sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}

/** OpenAI / ComfyUI convention: RGBA PNG, transparent (alpha 0) = edit, opaque black = keep. */
export async function encodeAlphaMaskPng(mask: Mask): Promise<Buffer> {
  const n = mask.width * mask.height;
  const rgba = Buffer.alloc(n * 4);
  for (let i = 0, j = 3; i < n; i++, j += 4) rgba[j] = mask.data[i] ? 0 : 255;
  return sharp(rgba, { raw: { width: mask.width, height: mask.height, channels: 4 } })
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}
