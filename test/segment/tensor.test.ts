import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toInputTensor, upsampleArgmax } from '../../src/providers/segment/tensor.js';

/** Straightforward reference: interpolate every class at every pixel (align_corners=false). */
function reference(data: Float32Array, C: number, gw: number, gh: number, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H);
  const at = (k: number, x: number, y: number) => data[k * gw * gh + y * gw + x]!;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sx = Math.min(gw - 1, Math.max(0, (x + 0.5) * (gw / W) - 0.5));
      const sy = Math.min(gh - 1, Math.max(0, (y + 0.5) * (gh / H) - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(gw - 1, x0 + 1);
      const y1 = Math.min(gh - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      let best = 0;
      let bestV = -Infinity;
      for (let k = 0; k < C; k++) {
        const v = (1 - fx) * (1 - fy) * at(k, x0, y0) + fx * (1 - fy) * at(k, x1, y0) + (1 - fx) * fy * at(k, x0, y1) + fx * fy * at(k, x1, y1);
        if (v > bestV) (bestV = v), (best = k);
      }
      out[y * W + x] = best;
    }
  return out;
}

describe('upsampleArgmax', () => {
  it('matches full bilinear interpolation + argmax (the agreement shortcut is exact)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 25 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 216, maxLength: 216 }),
        (C, gw, gh, W, H, vals) => {
          // Integer scores with a per-class offset avoid exact ties, whose order is arbitrary.
          const data = new Float32Array(C * gw * gh).map((_, i) => vals[i % vals.length]! + Math.floor(i / (gw * gh)) * 0.001);
          const got = upsampleArgmax({ data, classes: C, width: gw, height: gh, layout: 'NCHW' }, W, H);
          const want = reference(data, C, gw, gh, W, H);
          return got.every((v, i) => v === want[i]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads NHWC grids the same as NCHW', () => {
    const C = 3;
    const nchw = Float32Array.from([1, 0, 0, 0, /* c1 */ 0, 2, 0, 0, /* c2 */ 0, 0, 3, 0]);
    const nhwc = new Float32Array(12);
    for (let i = 0; i < 4; i++) for (let k = 0; k < C; k++) nhwc[i * C + k] = nchw[k * 4 + i]!;
    const a = upsampleArgmax({ data: nchw, classes: C, width: 2, height: 2, layout: 'NCHW' }, 7, 5);
    const b = upsampleArgmax({ data: nhwc, classes: C, width: 2, height: 2, layout: 'NHWC' }, 7, 5);
    expect([...a]).toEqual([...b]);
  });
});

describe('toInputTensor', () => {
  const spec = { width: 2, height: 1, layout: 'NCHW' as const, scale: 1 / 255, mean: [0.5, 0.5, 0.5] as const, std: [0.5, 0.25, 1] as const };
  it('scales, normalises per channel and lays out NCHW or NHWC', () => {
    const px = Uint8Array.from([255, 0, 255, 0, 255, 0]);
    const nchw = toInputTensor(px, 3, spec);
    expect([...nchw].map((v) => Math.round(v * 100) / 100)).toEqual([1, -1, -2, 2, 0.5, -0.5]);
    const nhwc = toInputTensor(px, 3, { ...spec, layout: 'NHWC' });
    expect([...nhwc].map((v) => Math.round(v * 100) / 100)).toEqual([1, -2, 0.5, -1, 2, -0.5]);
  });
  it('spreads a grey channel over RGB', () => {
    const t = toInputTensor(Uint8Array.from([255, 0]), 1, { ...spec, std: [0.5, 0.5, 0.5] });
    expect([...t]).toEqual([1, -1, 1, -1, 1, -1]);
  });
});
