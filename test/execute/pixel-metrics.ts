import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { converter } from 'culori';

/** Measurements on generated images for the pixel tests (CIE L*a*b* via culori, independent of the code under test). */
const toLab = converter('lab');

export interface Lab {
  L: Float32Array;
  a: Float32Array;
  b: Float32Array;
}

export function labOf(rgb: Uint8Array | Buffer, channels = 3): Lab {
  const n = rgb.length / channels;
  const L = new Float32Array(n), a = new Float32Array(n), b = new Float32Array(n);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const r = rgb[i * channels]!, g = rgb[i * channels + 1]!, bl = rgb[i * channels + 2]!;
    const key = (r << 16) | (g << 8) | bl;
    let v = cache.get(key);
    if (!v) {
      const c = toLab({ mode: 'rgb', r: r / 255, g: g / 255, b: bl / 255 });
      v = [c.l, c.a ?? 0, c.b ?? 0];
      cache.set(key, v);
    }
    [L[i], a[i], b[i]] = v;
  }
  return { L, a, b };
}

/** Separable box blur (3 passes ≈ gaussian) of a float image. */
export function blurField(src: Float32Array, width: number, height: number, radius: number): Float32Array {
  let cur = Float32Array.from(src);
  const tmp = new Float32Array(src.length);
  for (let pass = 0; pass < 3; pass++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0, c = 0;
        for (let k = Math.max(0, x - radius); k <= Math.min(width - 1, x + radius); k++) (s += cur[y * width + k]!), c++;
        tmp[y * width + x] = s / c;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0, c = 0;
        for (let k = Math.max(0, y - radius); k <= Math.min(height - 1, y + radius); k++) (s += tmp[k * width + x]!), c++;
        cur[y * width + x] = s / c;
      }
    }
  }
  return cur;
}

export function correlation(a: ArrayLike<number>, b: ArrayLike<number>, idx: number[]): number {
  let ma = 0, mb = 0;
  for (const i of idx) (ma += a[i]!), (mb += b[i]!);
  ma /= idx.length;
  mb /= idx.length;
  let sab = 0, saa = 0, sbb = 0;
  for (const i of idx) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Circular mean hue (degrees) of Lab pixels. */
export function meanHue(lab: Lab, idx: number[]): number {
  let x = 0, y = 0;
  for (const i of idx) {
    const h = Math.atan2(lab.b[i]!, lab.a[i]!);
    const c = Math.hypot(lab.a[i]!, lab.b[i]!);
    x += Math.cos(h) * c;
    y += Math.sin(h) * c;
  }
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

export function hueDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/** Writes PNGs to test-output/pixels/ when PIXELS_PICTURES is set (for a person to look at). */
export async function dump(name: string, data: Buffer | Uint8Array, width: number, height: number, channels: 3 | 4): Promise<void> {
  if (!process.env.PIXELS_PICTURES) return;
  const dir = path.resolve('test-output', 'pixels');
  mkdirSync(dir, { recursive: true });
  await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } }).png().toFile(path.join(dir, `${name}.png`));
}
