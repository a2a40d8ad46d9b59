import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { cropMask, decodeBackendImage, featherInsideFast, planCrop } from '../../src/pipeline/composite.js';
import { encodeForUpload, encodeImage, formatForPath } from '../../src/pipeline/image/encode.js';
import { UserFacingError } from '../../src/util/errors.js';
import type { RawImage } from '../../src/core/image-io.js';

const sd512 = (w: number, h: number) => {
  const s = 512 / Math.max(w, h);
  const r = (v: number) => Math.max(64, Math.round((v * s) / 8) * 8);
  return w >= h ? { width: 512, height: r(h) } : { width: r(w), height: 512 };
};

describe('crop planning and backend results', () => {
  it('pads the mask box, stays inside the photo and matches the working aspect', () => {
    const plan = planCrop({ left: 1000, top: 800, width: 200, height: 400 }, { width: 3000, height: 2000 }, 32, () => ({ width: 1024, height: 1024 }));
    expect(plan.box.width).toBe(plan.box.height); // widened to the square working size
    expect(plan.box.left).toBeLessThanOrEqual(1000 - 28);
    expect(plan.box.top + plan.box.height).toBeGreaterThanOrEqual(1200 + 28);
    const edge = planCrop({ left: 0, top: 0, width: 3000, height: 2000 }, { width: 3000, height: 2000 }, 32, sd512);
    expect(edge.box).toEqual({ left: 0, top: 0, width: 3000, height: 2000 });
    expect([edge.outWidth, edge.outHeight]).toEqual([512, 344]);
  });

  it('the crop mask stays binary at the working size', () => {
    const data = new Uint8Array(100 * 50);
    for (let y = 10; y < 40; y++) for (let x = 20; x < 70; x++) data[y * 100 + x] = 255;
    const m = cropMask({ width: 100, height: 50, data }, { box: { left: 0, top: 0, width: 100, height: 50 }, outWidth: 64, outHeight: 32 });
    expect(new Set(m.data)).toEqual(new Set([0, 255]));
    expect(m.data[16 * 64 + 32]).toBe(255);
    expect(m.data[0]).toBe(0);
  });

  it('an HTML error page is reported as a non-image; a wrong-size image is resized to the crop', async () => {
    const plan = { box: { left: 0, top: 0, width: 30, height: 20 }, outWidth: 512, outHeight: 344 };
    const err = await decodeBackendImage(Buffer.from('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>'), plan, 'sd-webui').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).params).toMatchObject({ backend: 'sd-webui', detail: 'an HTML page' });
    const small = await sharp({ create: { width: 7, height: 9, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 1 } } }).png().toBuffer();
    const patch = await decodeBackendImage(small, plan, 'x');
    expect(patch.length).toBe(30 * 20 * 3);
  });

  it('the fast feather is 0 outside the mask, ramps inside and reaches 255 within the radius', async () => {
    const w = 200, h = 10;
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 100; x < w; x++) data[y * w + x] = 255;
    const a = await featherInsideFast({ width: w, height: h, data }, 10);
    for (let y = 0; y < h; y++) for (let x = 0; x < 100; x++) expect(a[y * w + x]).toBe(0);
    expect(a[5 * w + 100]).toBeGreaterThan(0);
    expect(a[5 * w + 100]).toBeLessThan(60);
    expect(a[5 * w + 110]).toBe(255);
    expect(a[5 * w + 199]).toBe(255); // the photo's border is not an edge of the mask
  });
});

describe('encoding', () => {
  const noisy = (w: number, h: number, channels: 3 | 4): RawImage => {
    const data = Buffer.alloc(w * h * channels);
    let s = 3;
    for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) & 0x7fffffff) >> 23;
    if (channels === 4) for (let i = 3; i < data.length; i += 4) data[i] = i % 8 === 3 ? 0 : 255;
    return { data, width: w, height: h, channels };
  };

  it('follows the output extension', () => {
    expect(formatForPath('a/b.PNG')).toBe('png');
    expect(formatForPath('x.jpeg')).toBe('jpeg');
    expect(formatForPath('x.jpg')).toBe('jpeg');
    expect(formatForPath('x.webp')).toBe('webp');
    expect(formatForPath('x.gif')).toBeUndefined();
  });

  it('PNG keeps transparency and every pixel; JPEG flattens alpha', async () => {
    const img = noisy(64, 32, 4);
    const round = await sharp(await encodeImage(img, { format: 'png' })).raw().toBuffer();
    expect(round.equals(img.data)).toBe(true);
    const meta = await sharp(await encodeImage(img, { format: 'jpeg' })).metadata();
    expect([meta.format, meta.channels, meta.width]).toEqual(['jpeg', 3, 64]);
  });

  it('upload: PNG when it fits, else JPEG at the same resolution', async () => {
    const img = noisy(256, 256, 3);
    const fits = await encodeForUpload(img, 10 * 1024 * 1024);
    expect(fits.mimeType).toBe('image/png');
    const png = fits.data.length;
    const tight = await encodeForUpload(img, Math.floor(png / 2));
    expect(tight.mimeType).toBe('image/jpeg');
    expect(tight.filename).toBe('edited.jpg');
    const meta = await sharp(tight.data).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
  });
});
