import type { Box, ImageRef } from '../shared.js';
import { FieldSampler, type FieldSource } from './matte-apply.js';

/**
 * Field kernels: pack a region with a mask as RGBA (for a masked blur in libvips), and blend a
 * field (e.g. a blurred copy) into the photo with the feathered alpha.
 */
export interface PackTask {
  kind: 'field.pack';
  image: ImageRef;
  mask: SharedArrayBuffer;
  region: Box;
  rows: [number, number];
  /** Region-sized RGBA output. */
  out: SharedArrayBuffer;
}

export function packKernel(t: PackTask): void {
  const { image, region } = t;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const mask = new Uint8Array(t.mask);
  const out = new Uint8Array(t.out);
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    let i = y * image.width + region.left;
    let q = (y - region.top) * region.width * 4;
    for (let x = 0; x < region.width; x++, i++, q += 4) {
      const p = i * c;
      out[q] = data[p]!;
      out[q + 1] = data[p + 1]!;
      out[q + 2] = data[p + 2]!;
      out[q + 3] = mask[i] ? 255 : 0;
    }
  }
}

export interface FieldBlendTask {
  kind: 'field.blend';
  image: ImageRef;
  /** Feathered alpha (photo-sized); absent = the whole box at full strength. */
  alpha?: SharedArrayBuffer;
  box: Box;
  rows: [number, number];
  source: FieldSource;
}

export function fieldBlendKernel(t: FieldBlendTask): void {
  const { image, box } = t;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const alpha = t.alpha ? new Uint8Array(t.alpha) : undefined;
  const sampler = new FieldSampler(t.source, box.left, box.left + box.width);
  const v = [0, 0, 0];
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    sampler.row(y);
    let i = y * image.width + box.left;
    for (let x = 0; x < box.width; x++, i++) {
      const a = alpha ? alpha[i]! : 255;
      if (a === 0) continue;
      if (!sampler.at(x, v, 0)) continue;
      const p = i * c;
      for (let k = 0; k < 3; k++) {
        const o = data[p + k]!;
        const n = v[k]!;
        const val = a === 255 ? n : o + ((n - o) * a) / 255;
        data[p + k] = val <= 0 ? 0 : val >= 255 ? 255 : (val + 0.5) | 0;
      }
    }
  }
}

/**
 * A masked region shrunk by `cell`×`cell` box averaging, for blurring on a small copy: per cell the
 * region's colour sums (weighted by the mask), its pixel count, and how many kept pixels the cell
 * holds. Rows are banded on multiples of `cell`.
 */
export interface DownTask {
  kind: 'field.down';
  image: ImageRef;
  mask: SharedArrayBuffer;
  map: SharedArrayBuffer;
  keep: Uint8Array;
  region: Box;
  rows: [number, number];
  cell: number;
  gw: number;
  gh: number;
  /** Float64 planes gw×gh: R, G, B sums over region pixels, their count, kept pixels. */
  sums: SharedArrayBuffer;
}

export function downKernel(t: DownTask): void {
  const { image, region, cell, gw, gh } = t;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const mask = new Uint8Array(t.mask);
  const map = new Uint8Array(t.map);
  const sums = new Float64Array(t.sums);
  const n = gw * gh;
  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    const row = (((y - region.top) / cell) | 0) * gw;
    let i = y * image.width + region.left;
    for (let x = 0; x < region.width; x++, i++) {
      const q = row + ((x / cell) | 0);
      if (mask[i]) {
        const p = i * c;
        sums[q] += data[p]!;
        sums[n + q] += data[p + 1]!;
        sums[2 * n + q] += data[p + 2]!;
        sums[3 * n + q] += 1;
      } else if (t.keep[map[i]!]) {
        sums[4 * n + q] += 1;
      }
    }
  }
}

/**
 * The small RGBA for libvips: colour = mean of the region's pixels in the cell, alpha = the share
 * of the cell they cover — except next to kept pixels (a cell holding any, and its neighbours),
 * whose colours carry the kept part's edge and would bleed it into the blur.
 */
export interface DownFinishTask {
  kind: 'field.downFinish';
  gw: number;
  gh: number;
  cell: number;
  sums: SharedArrayBuffer;
  /** Uint8 RGBA gw×gh output. */
  out: SharedArrayBuffer;
}

export function downFinishKernel(t: DownFinishTask): void {
  const { gw, gh } = t;
  const n = gw * gh;
  const sums = new Float64Array(t.sums);
  const out = new Uint8Array(t.out);
  const full = t.cell * t.cell;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const q = y * gw + x;
      let nearKept = false;
      for (let dy = -1; dy <= 1 && !nearKept; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && xx >= 0 && yy < gh && xx < gw && sums[4 * n + yy * gw + xx]! > 0) {
            nearKept = true;
            break;
          }
        }
      }
      const cnt = sums[3 * n + q]!;
      const o = q * 4;
      if (cnt === 0 || nearKept) {
        out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
        continue;
      }
      out[o] = Math.round(sums[q]! / cnt);
      out[o + 1] = Math.round(sums[n + q]! / cnt);
      out[o + 2] = Math.round(sums[2 * n + q]! / cnt);
      out[o + 3] = Math.round((255 * Math.min(cnt, full)) / full);
    }
  }
}
