import sharp from 'sharp';
import { loadConfig } from '../../src/config/load.js';
import { readEnv } from '../../src/config/env.js';
import type { LabelMap } from '../../src/core/types.js';
import type { RawImage } from '../../src/core/image-io.js';

export const LABELS = [
  'Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt',
  'Left-shoe', 'Right-shoe', 'Face', 'Left-leg', 'Right-leg', 'Left-arm', 'Right-arm', 'Bag', 'Scarf',
] as const;
export const BG = 0;
export const SHIRT = 4;
export const FACE = 11;

export function execConfig() {
  return loadConfig({ sections: ['commands', 'templates', 'backends', 'params', 'masks'] });
}

export function envWith(vars: Record<string, string> = {}) {
  return readEnv({ DATA_DIR: '/tmp/cie-test-data', ...vars });
}

/**
 * A synthetic photo with texture everywhere (so "unchanged" is a strong claim) and its label map:
 * background, a shirt rectangle in the lower middle and a face ellipse above it.
 */
export function syntheticScene(width: number, height: number): { rgb: Buffer; map: LabelMap } {
  const rgb = Buffer.alloc(width * height * 3);
  const data = new Uint8Array(width * height);
  let s = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const n = (s >> 16) & 15;
      rgb[i * 3] = ((x * 200) / width + n) | 0;
      rgb[i * 3 + 1] = ((y * 200) / height + n) | 0;
      rgb[i * 3 + 2] = (((x + y) * 100) / (width + height) + 50 + n) | 0;
      const fx = (x - width / 2) / (width * 0.08);
      const fy = (y - height * 0.3) / (height * 0.12);
      if (fx * fx + fy * fy < 1) data[i] = FACE;
      else if (x > width * 0.3 && x < width * 0.7 && y > height * 0.45) data[i] = SHIRT;
      else data[i] = BG;
    }
  }
  return { rgb, map: { width, height, data, labels: LABELS } };
}

export async function png(raw: RawImage | { data: Buffer; width: number; height: number; channels: 3 | 4 }): Promise<Buffer> {
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).png({ compressionLevel: 1 }).toBuffer();
}

export async function decodePng(buf: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
