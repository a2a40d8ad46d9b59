import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load.js';
import { labelColour, renderOverlay } from '../../src/pipeline/overlay.js';
import { ATR } from './helpers.js';
import { exifRotatedJpeg } from './fixtures/images.js';

describe('segmentation overlay', () => {
  it('tints each part in its own colour on the upright photo and adds a legend panel', async () => {
    const photo = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } }).png().toBuffer();
    const data = new Uint8Array(40 * 20);
    for (let y = 0; y < 20; y++) for (let x = 20; x < 40; x++) data[y * 40 + x] = 4; // right half: Upper-clothes
    const jpeg = await renderOverlay(photo, { width: 40, height: 20, data, labels: ATR }, { locale: 'zh-CN', labels: loadConfig({ sections: ['labels'] }).labels });
    const { data: px, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThan(40);
    expect(info.height).toBeGreaterThanOrEqual(20);
    const pixel = (x: number, y: number) => [...px.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const [r, g, b] = pixel(30, 10);
    const c = labelColour(4);
    // Tinted towards the part colour: closer to it than the grey photo is.
    expect(Math.hypot(r! - c[0], g! - c[1], b! - c[2])).toBeLessThan(Math.hypot(128 - c[0], 128 - c[1], 128 - c[2]));
    // Background is dimmed, not tinted: still grey.
    const [br, bg, bb] = pixel(5, 10);
    expect(Math.max(br!, bg!, bb!) - Math.min(br!, bg!, bb!)).toBeLessThan(12);
    expect(br!).toBeLessThan(110);
  });

  it('lines up with EXIF-rotated photos (map is in upright coordinates)', async () => {
    const photo = await exifRotatedJpeg(); // upright 48×64
    const map = { width: 48, height: 64, data: new Uint8Array(48 * 64), labels: ATR };
    const out = await renderOverlay(photo, map, { maxSide: 64 });
    const meta = await sharp(out).metadata();
    expect(meta.height).toBe(64);
  });

  it('gives distinct colours to every label of a long list', () => {
    const seen = new Set(Array.from({ length: 40 }, (_, i) => labelColour(i).join(',')));
    expect(seen.size).toBe(40);
  });
});
