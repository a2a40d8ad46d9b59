import { describe, expect, it } from 'vitest';
import { GAMUT_STEPS, encodeLinear, maxChromaTable, oklabToLinear, oklch, rgbToOklab } from '../../src/pipeline/image/color.js';
import { blendKernel } from '../../src/pipeline/image/kernels/blend.js';
import { boxMean, normalisedBlur } from '../../src/pipeline/image/kernels/grid.js';
import { toneKernel } from '../../src/pipeline/image/kernels/tone.js';
import { rowBands, type ImageRef } from '../../src/pipeline/image/shared.js';

/** 4×2 image: left half pure red (255,0,0), right half grey (100,100,100), in shared memory. */
function tiny(): ImageRef {
  const buffer = new SharedArrayBuffer(4 * 2 * 3);
  const data = new Uint8Array(buffer);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++) data.set(x < 2 ? [255, 0, 0] : [100, 100, 100], (y * 4 + x) * 3);
  return { buffer, width: 4, height: 2, channels: 3 };
}
const box = { left: 0, top: 0, width: 4, height: 2 };
/** Edit the first column fully, the second at half strength, leave the rest alone. */
function alpha(): SharedArrayBuffer {
  const s = new SharedArrayBuffer(8);
  const a = new Uint8Array(s);
  for (let y = 0; y < 2; y++) {
    a[y * 4] = 255;
    a[y * 4 + 1] = 128;
  }
  return s;
}
const full = () => {
  const s = new SharedArrayBuffer(8);
  new Uint8Array(s).fill(255);
  return s;
};
const px = (img: ImageRef, x: number, y: number) => [...new Uint8Array(img.buffer).subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels)];

describe('pixel kernels (hand-checked pixels)', () => {
  it('grayscale uses Rec.601 luma, blends by alpha and leaves alpha-0 pixels alone', () => {
    const img = tiny();
    toneKernel({ kind: 'tone', op: 'grayscale', image: img, alpha: alpha(), box, rows: [0, 2] });
    expect(px(img, 0, 0)).toEqual([76, 76, 76]); // 0.299 × 255 = 76.2
    expect(px(img, 1, 0)).toEqual([165, 38, 38]); // 255 + (76.2-255)·128/255 = 165.3; 76.2·128/255 = 38.3
    expect(px(img, 2, 0)).toEqual([100, 100, 100]);
    expect(px(img, 3, 1)).toEqual([100, 100, 100]);
  });

  it('adjust: +50 brightness multiplies by 1.5, contrast stretches around 128, -100 saturation is grey', () => {
    const run = (args: { brightness?: number; contrast?: number; saturation?: number }) => {
      const img = tiny();
      toneKernel({ kind: 'tone', op: 'adjust', image: img, alpha: full(), box, rows: [0, 2], ...args });
      return img;
    };
    expect(px(run({ brightness: 50 }), 2, 0)).toEqual([150, 150, 150]);
    expect(px(run({ contrast: 100 }), 2, 0)).toEqual([72, 72, 72]); // (100-128)·2+128
    expect(px(run({ saturation: -100 }), 0, 0)).toEqual([76, 76, 76]);
    expect(px(run({}), 0, 1)).toEqual([255, 0, 0]);
  });

  it('blend writes the patch where alpha is 255, mixes where it is partial, never touches alpha-0 pixels, only in its rows', () => {
    const img = tiny();
    const patch = new SharedArrayBuffer(4 * 2 * 3);
    new Uint8Array(patch).fill(200);
    blendKernel({ kind: 'blend', image: img, patch, box, alpha: alpha(), rows: [0, 1] });
    expect(px(img, 0, 0)).toEqual([200, 200, 200]);
    expect(px(img, 1, 0)).toEqual([227, 100, 100]); // 255 + (200-255)·128/255 = 227.4; 0 + 200·128/255 = 100.4
    expect(px(img, 2, 0)).toEqual([100, 100, 100]);
    expect(px(img, 0, 1)).toEqual([255, 0, 0]); // row 1 belongs to another band
  });

  it('row bands cover the rows once, start on multiples of the alignment, and never exceed the count', () => {
    for (const [top, bottom, parts, align] of [[0, 100, 4, 8], [13, 917, 3, 16], [5, 6, 4, 4], [0, 3000, 4, 4]] as const) {
      const bands = rowBands(top, bottom, parts, align);
      expect(bands.length).toBeLessThanOrEqual(parts);
      expect(bands[0]![0]).toBe(top);
      expect(bands.at(-1)![1]).toBe(bottom);
      for (let i = 1; i < bands.length; i++) {
        expect(bands[i]![0]).toBe(bands[i - 1]![1]);
        expect((bands[i]![0] - top) % align).toBe(0);
      }
    }
    expect(rowBands(5, 5, 4)).toEqual([]);
  });
});

describe('OKLab and grids', () => {
  it('sRGB → OKLab → sRGB returns the same 8-bit colour', () => {
    const lab = [0, 0, 0], lin = [0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      const c = [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256] as const;
      rgbToOklab(c[0], c[1], c[2], lab);
      oklabToLinear(lab[0]!, lab[1]!, lab[2]!, lin);
      expect([encodeLinear(lin[0]!), encodeLinear(lin[1]!), encodeLinear(lin[2]!)]).toEqual([...c]);
    }
  });

  it('the gamut table of a hue holds that hue\'s most saturated sRGB colour at its lightness', () => {
    const red = oklch([255, 0, 0]);
    const table = maxChromaTable(red.h);
    const at = table[Math.round(red.L * (GAMUT_STEPS - 1))]!;
    expect(Math.abs(at - red.C)).toBeLessThan(0.01);
    // black and white have (almost) no room for chroma
    expect(table[0]).toBeLessThan(0.02);
    expect(table[GAMUT_STEPS - 1]).toBeLessThan(0.02);
    expect(table[Math.round(0.5 * (GAMUT_STEPS - 1))]).toBeGreaterThan(0.1);
  });

  it('normalised blur keeps a region\'s value from leaking past its weights; box mean of a constant is the constant', () => {
    const w = 40, h = 10;
    const values = new Float64Array(w * h), weights = new Float64Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < 20; x++) (weights[y * w + x] = 1), (values[y * w + x] = 0.3);
    const out = new Float32Array(w * h);
    normalisedBlur(values, weights, w, h, 4, -1, out);
    for (let y = 0; y < h; y++) for (let x = 0; x < 28; x++) expect(out[y * w + x]).toBeCloseTo(0.3, 5);
    const c = new Float64Array(w * h).fill(2);
    const m = new Float64Array(w * h);
    boxMean(c, w, h, 3, m);
    for (const v of m) expect(v).toBeCloseTo(2, 5);
  });
});
