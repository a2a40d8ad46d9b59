import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { SdWebuiBackend } from '../../src/providers/image/index.js';
import { encodeImage } from '../../src/pipeline/image/encode.js';
import { matteSizes } from '../../src/pipeline/image/matte.js';
import { startSdWebuiFake, type SdWebuiFake } from '../fakes/sdwebui.js';
import { BG, SHIRT, decodePng, envWith, execConfig, png, syntheticScene } from './helpers.js';

const cfg = execConfig();
let sd: SdWebuiFake;
beforeAll(async () => {
  sd = await startSdWebuiFake({ color: { r: 10, g: 200, b: 30 } });
});
afterAll(async () => sd.close());

describe('full-resolution compositing', () => {
  it('a 3000×2000 edit through SD WebUI keeps every unmasked pixel bit-identical in the PNG output', async () => {
    const W = 3000, H = 2000;
    const { rgb, map } = syntheticScene(W, H);
    const input = await png({ data: rgb, width: W, height: H, channels: 3 });
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [new SdWebuiBackend(sd.url, { ...cfg.backends.sdWebui, progressIntervalMs: 1000 })] });
    const command = { command: 'change', args: { labels: ['Background'], prompt: 'sunny beach' } };
    const result = await executor.execute({ image: input, labelMap: map, commands: [command] });
    // SD saw a small crop, not the photo
    const body = sd.img2img.at(-1)!;
    expect(Math.max(Number(body.width), Number(body.height))).toBe(512);

    const out = await decodePng(await encodeImage(result.image, { format: 'png' }));
    expect([out.width, out.height, out.channels]).toEqual([W, H, 3]);
    // The edit region is Background grown by edge optimisation into Hair/Upper-clothes/Dress only.
    // Face is never eroded, so every face pixel must be exactly the original; shirt pixels more
    // than the erosion width (W/80) from the background must be exact too.
    const erode = Math.round(W / 80) + 1;
    let checked = 0;
    let changedBg = 0;
    let bgCount = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const label = map.data[i];
        if (label === BG) {
          bgCount++;
          if (out.data[i * 3] !== rgb[i * 3] || out.data[i * 3 + 1] !== rgb[i * 3 + 1]) changedBg++;
          continue;
        }
        const deepShirt = label === SHIRT && x > W * 0.3 + erode && x < W * 0.7 - erode && y > H * 0.45 + erode;
        if (label !== SHIRT || deepShirt) {
          checked++;
          if (out.data[i * 3] !== rgb[i * 3] || out.data[i * 3 + 1] !== rgb[i * 3 + 1] || out.data[i * 3 + 2] !== rgb[i * 3 + 2]) {
            throw new Error(`kept pixel (${x},${y}) changed`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500_000);
    expect(changedBg / bgCount).toBeGreaterThan(0.95);
    // deep in the background: exactly the generated colour
    expect([...out.data.subarray((50 * W + 50) * 3, (50 * W + 50) * 3 + 3)]).toEqual([10, 200, 30]);
  });

  it('feather plus edge optimisation stays within 2% of the longer side', async () => {
    expect(cfg.templates.templates.inpaint!.feather + 1 / 80).toBeLessThanOrEqual(0.02);
    for (const t of Object.values(cfg.templates.templates)) expect(t.feather).toBeLessThanOrEqual(0.02);
  });

  it('keeps the original size and upright orientation of an EXIF-rotated JPEG', async () => {
    // stored 300×200 with orientation 6 (rotate 90° clockwise to display) → upright 200×300
    const stored = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [] });
    const result = await executor.execute({ image: stored, commands: [{ command: 'grayscale', args: { labels: ['*'] } }] });
    expect([result.image.width, result.image.height]).toEqual([200, 300]);
    const encoded = await encodeImage(result.image, { format: 'jpeg' });
    const meta = await sharp(encoded).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([200, 300, 1]);
  });

  it('labelled commands without a label map are skipped with a reason; whole-image ones run; needsSegmentation says so', async () => {
    const { rgb, map } = syntheticScene(200, 100);
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [] });
    const blurBg = { command: 'blur', args: { labels: ['Background'], strength: 30 } };
    const grey = { command: 'grayscale', args: { labels: ['*'] } };
    const advice = { command: 'advice', args: { text: 'Try a warmer light.' } };
    expect(executor.needsSegmentation([grey, advice])).toBe(false);
    expect(executor.needsSegmentation([grey, blurBg])).toBe(true);
    const r = await executor.execute({ image: await png({ data: rgb, width: 200, height: 100, channels: 3 }), commands: [blurBg, grey, advice] });
    expect(r.skipped).toEqual([{ command: blurBg, reason: 'execute.skip.needs_segmentation' }]);
    expect(r.applied).toEqual([grey]);
    expect(r.advice).toEqual(['Try a warmer light.']);
    // a label that is not in the photo
    const r2 = await executor.execute({ image: await png({ data: rgb, width: 200, height: 100, channels: 3 }), labelMap: map, commands: [{ command: 'recolor', args: { labels: ['Hat'], color: '#ff0000' } }] });
    expect(r2.skipped[0]!.reason).toBe('execute.skip.empty_region');
  });

  it('cutout keeps the listed parts bit-identical and opaque away from the soft edge band, the rest transparent', async () => {
    const W = 200, H = 100;
    const { rgb, map } = syntheticScene(W, H);
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [] });
    const r = await executor.execute({ image: await png({ data: rgb, width: W, height: H, channels: 3 }), labelMap: map, commands: [{ command: 'cutout', args: { labels: ['Face', 'Upper-clothes'] } }] });
    expect(r.image.channels).toBe(4);
    const sizes = matteSizes(W, H);
    const band = sizes.band + 2 * sizes.cell + 1;
    const kept = (x: number, y: number) => map.data[y * W + x] !== BG;
    let checked = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (!kept(x, y)) continue;
        let nearEdge = false;
        for (let dy = -band; dy <= band && !nearEdge; dy++) {
          for (let dx = -band; dx <= band; dx++) {
            const xx = x + dx, yy = y + dy;
            if (xx >= 0 && yy >= 0 && xx < W && yy < H && !kept(xx, yy)) {
              nearEdge = true;
              break;
            }
          }
        }
        if (nearEdge) continue;
        const i = y * W + x;
        expect([...r.image.data.subarray(i * 4, i * 4 + 4)]).toEqual([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2_000);
    expect(r.image.data[3]).toBe(0); // top-left corner is background
  });
});
