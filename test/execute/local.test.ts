import { describe, expect, it } from 'vitest';
import { adjust, blur, grayscale, makeTransparent, recolor, parseHexColor } from '../../src/providers/image/local.js';
import type { RawImage } from '../../src/core/image-io.js';

/** 4×2 image: left half pure red (255,0,0), right half grey (100,100,100). */
function tiny(): RawImage {
  const data = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++) {
      const p = (y * 4 + x) * 3;
      if (x < 2) data.set([255, 0, 0], p);
      else data.set([100, 100, 100], p);
    }
  return { data, width: 4, height: 2, channels: 3 };
}
const box = { left: 0, top: 0, width: 4, height: 2 };
/** Edit the first column fully, the second at half strength, leave the rest alone. */
function alpha(): Uint8Array {
  const a = new Uint8Array(8);
  for (let y = 0; y < 2; y++) {
    a[y * 4] = 255;
    a[y * 4 + 1] = 128;
  }
  return a;
}
const px = (img: RawImage, x: number, y: number) => [...img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels)];

describe('local operations (hand-checked pixels)', () => {
  it('grayscale uses Rec.601 luma, blends by alpha and leaves alpha-0 pixels alone', () => {
    const out = grayscale({ image: tiny(), alpha: alpha(), box, args: {} });
    expect(px(out, 0, 0)).toEqual([76, 76, 76]); // 0.299 × 255 = 76.2
    expect(px(out, 1, 0)).toEqual([165, 38, 38]); // 255 + (76.2-255)·128/255 = 165.3; 76.2·128/255 = 38.3
    expect(px(out, 2, 0)).toEqual([100, 100, 100]);
    expect(px(out, 3, 1)).toEqual([100, 100, 100]);
  });

  it('adjust: +50 brightness multiplies by 1.5, contrast stretches around 128, -100 saturation is grey', () => {
    const full = new Uint8Array(8).fill(255);
    expect(px(adjust({ image: tiny(), alpha: full, box, args: { brightness: 50 } }), 2, 0)).toEqual([150, 150, 150]);
    expect(px(adjust({ image: tiny(), alpha: full, box, args: { contrast: 100 } }), 2, 0)).toEqual([72, 72, 72]); // (100-128)·2+128
    expect(px(adjust({ image: tiny(), alpha: full, box, args: { saturation: -100 } }), 0, 0)).toEqual([76, 76, 76]);
    expect(px(adjust({ image: tiny(), alpha: full, box, args: {} }), 0, 1)).toEqual([255, 0, 0]);
  });

  it('recolor gives the target colour where the luma equals the part mean and keeps shading elsewhere', () => {
    // a grey part with one darker pixel: mean luma 90, so the 100-grey pixels get 100/90 of the colour
    const img: RawImage = { data: Buffer.from([100, 100, 100, 60, 60, 60, 100, 100, 100, 9, 9, 9]), width: 4, height: 1, channels: 3 };
    const a = new Uint8Array([255, 255, 255, 0]);
    const out = recolor({ image: img, alpha: a, box: { left: 0, top: 0, width: 4, height: 1 }, args: { color: '#3366cc' } });
    const k = 100 / ((100 + 60 + 100) / 3);
    expect(px(out, 0, 0)).toEqual([Math.round(0x33 * k), Math.round(0x66 * k), Math.round(0xcc * k)]);
    expect(px(out, 1, 0)).toEqual([Math.round((0x33 * 60) / (260 / 3)), Math.round((0x66 * 60) / (260 / 3)), Math.round((0xcc * 60) / (260 / 3))]);
    expect(px(out, 3, 0)).toEqual([9, 9, 9]);
    expect(parseHexColor('#f00')).toEqual([255, 0, 0]);
  });

  it('remove makes the edited pixels transparent (4 channels), partial where feathered, opaque elsewhere', () => {
    const out = makeTransparent({ image: tiny(), alpha: alpha(), box, args: {} });
    expect(out.channels).toBe(4);
    expect(px(out, 0, 0)).toEqual([255, 0, 0, 0]);
    expect(px(out, 1, 0)).toEqual([255, 0, 0, 127]); // 255·(255-128)/255
    expect(px(out, 2, 1)).toEqual([100, 100, 100, 255]);
  });

  it('blur leaves a flat area flat, smooths an edge, and never touches alpha-0 pixels', async () => {
    const w = 64, h = 32;
    const data = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(x < 32 ? 0 : 200, (y * w + x) * 3, (y * w + x + 1) * 3);
    const image: RawImage = { data, width: w, height: h, channels: 3 };
    const a = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < 48; x++) a[y * w + x] = 255;
    const out = await blur({ image, alpha: a, box: { left: 0, top: 0, width: 48, height: h }, args: { strength: 100 }, blurSigmaAt100: 0.05 });
    expect(px(out, 2, 16)).toEqual([0, 0, 0]); // far from the edge: still black
    const edge = px(out, 31, 16)[0]!;
    expect(edge).toBeGreaterThan(30);
    expect(edge).toBeLessThan(170);
    for (let y = 0; y < h; y++) for (let x = 48; x < w; x++) expect(px(out, x, y)).toEqual([200, 200, 200]);
  });
});
