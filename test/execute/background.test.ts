import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { matteSizes } from '../../src/pipeline/image/matte.js';
import { L_BG, beachPhoto, portraitScene } from '../helpers/scenes.js';
import { envWith, execConfig, png } from './helpers.js';
import { dump } from './pixel-metrics.js';

const cfg = execConfig();
const W = 900, H = 675;
const scene = portraitScene(W, H);
const sizes = matteSizes(W, H);
/** The soft band: its half-width, plus one cell of grid rounding and one of bilinear spread. */
const BAND = sizes.band + 2 * sizes.cell + 1;

/** Chebyshev distance (capped) from each pixel to the nearest pixel of the other side (person vs background). */
function distanceToEdge(cap: number): Uint8Array {
  const d = scene.map.data;
  const isBg = (i: number) => d[i] === L_BG;
  const out = new Uint8Array(W * H).fill(cap);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const side = isBg(i);
      let best = cap;
      for (let r = 1; r < cap && best === cap; r++) {
        for (let k = -r; k <= r && best === cap; k++) {
          const pts = [[x + k, y - r], [x + k, y + r], [x - r, y + k], [x + r, y + k]];
          for (const [px, py] of pts) {
            if (px! < 0 || py! < 0 || px! >= W || py! >= H) continue;
            if (isBg(py! * W + px!) !== side) {
              best = r;
              break;
            }
          }
        }
      }
      out[i] = best;
    }
  }
  return out;
}
const dist = distanceToEdge(BAND + 10);

function executor() {
  return createExecutor({ env: envWith(), config: cfg, imageBackends: [] });
}

async function input() {
  return png({ data: scene.rgb, width: W, height: H, channels: 3 });
}

describe('background replacement without a generator', () => {
  it('puts the person in front of a second photo fitted to cover: person unchanged and background exact away from the edge band', async () => {
    const bw = 1000, bh = 1000; // square: "cover" must crop top and bottom
    const beach = await sharp(beachPhoto(bw, bh), { raw: { width: bw, height: bh, channels: 3 } }).png().toBuffer();
    const r = await executor().execute({ image: await input(), labelMap: scene.map, commands: [{ command: 'background', args: { source: 'photo' } }], backgroundSource: beach });
    expect(r.skipped).toEqual([]);
    expect([r.image.width, r.image.height, r.image.channels]).toEqual([W, H, 3]);
    await dump('background-photo', r.image.data, W, H, 3);
    const cover = await sharp(beach).resize(W, H, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    let person = 0, background = 0, bandChanged = 0;
    for (let i = 0; i < W * H; i++) {
      const p = i * 3;
      if (dist[i]! <= BAND) {
        if (r.image.data[p] !== scene.rgb[p]) bandChanged++;
        continue;
      }
      const want = scene.map.data[i] === L_BG ? cover : scene.rgb;
      if (r.image.data[p] !== want[p] || r.image.data[p + 1] !== want[p + 1] || r.image.data[p + 2] !== want[p + 2]) {
        throw new Error(`pixel ${i % W},${Math.floor(i / W)} (${scene.map.data[i] === L_BG ? 'background' : 'person'}) is not what it should be`);
      }
      if (scene.map.data[i] === L_BG) background++;
      else person++;
    }
    expect(person).toBeGreaterThan(100_000);
    expect(background).toBeGreaterThan(300_000);
    expect(bandChanged).toBeGreaterThan(0);
  });

  it('leaves no halo of the old background: the mixed edge pixels lose its green tint', async () => {
    const r = await executor().execute({ image: await input(), labelMap: scene.map, commands: [{ command: 'background', args: { source: 'color', color: '#ffffff' } }] });
    await dump('background-white', r.image.data, W, H, 3);
    // Greenness (G above the mean of R and B) of the old wall, in the 3 px on both sides of the edge.
    let before = 0, after = 0, n = 0;
    for (let i = 0; i < W * H; i++) {
      if (dist[i]! > 3) continue;
      const p = i * 3;
      const g0 = scene.rgb[p + 1]! - (scene.rgb[p]! + scene.rgb[p + 2]!) / 2;
      const g1 = r.image.data[p + 1]! - (r.image.data[p]! + r.image.data[p + 2]!) / 2;
      before += Math.max(0, g0);
      after += Math.max(0, g1);
      n++;
    }
    expect(n).toBeGreaterThan(5_000);
    expect(after / before).toBeLessThan(0.25);
    // and white away from the band
    for (let i = 0; i < W * H; i++) if (scene.map.data[i] === L_BG && dist[i]! > BAND) expect(r.image.data[i * 3]).toBe(255);
  });

  it('gradient and studio backdrop: smooth, the person untouched away from the band', async () => {
    const g = await executor().execute({ image: await input(), labelMap: scene.map, commands: [{ command: 'background', args: { source: 'gradient', color: '#87ceeb', color2: '#ffffff' } }] });
    await dump('background-gradient', g.image.data, W, H, 3);
    const col = (img: Buffer, x: number, y: number) => img[(y * W + x) * 3 + 2]! + img[(y * W + x) * 3]!;
    // sky blue at the top, whiter towards the bottom (R+B grows down the left edge)
    expect(col(g.image.data, 5, H - 5)).toBeGreaterThan(col(g.image.data, 5, 5));
    const b = await executor().execute({ image: await input(), labelMap: scene.map, commands: [{ command: 'background', args: { source: 'backdrop' } }] });
    await dump('background-backdrop', b.image.data, W, H, 3);
    // lit behind the subject, darker in the corners
    const lum = (img: Buffer, x: number, y: number) => img[(y * W + x) * 3]! + img[(y * W + x) * 3 + 1]! + img[(y * W + x) * 3 + 2]!;
    expect(lum(b.image.data, Math.round(W * 0.2), Math.round(H * 0.4))).toBeGreaterThan(lum(b.image.data, 3, 3));
    for (const r of [g, b]) {
      for (let i = 0; i < W * H; i += 7) {
        if (scene.map.data[i] !== L_BG && dist[i]! > BAND) expect(r.image.data[i * 3]).toBe(scene.rgb[i * 3]);
      }
    }
  });

  it('without the second photo the edit is skipped with a reason; without parts it needs segmentation', async () => {
    const cmd = { command: 'background', args: { source: 'photo' } };
    const r = await executor().execute({ image: await input(), labelMap: scene.map, commands: [cmd] });
    expect(r.skipped).toEqual([{ command: cmd, reason: 'execute.skip.no_background_source' }]);
    const r2 = await executor().execute({ image: await input(), commands: [{ command: 'background', args: { source: 'color', color: '#ffffff' } }] });
    expect(r2.skipped[0]!.reason).toBe('execute.skip.needs_segmentation');
    expect(executor().needsSegmentation([{ command: 'background', args: {} }])).toBe(true);
  });
});

describe('mask-normalised background blur', () => {
  it('an 8 px band outside a saturated person holds at most 5 % of the person colour', async () => {
    const w = 600, h = 400;
    const rgb = Buffer.alloc(w * h * 3);
    const data = new Uint8Array(w * h);
    const person: [number, number, number] = [230, 20, 30];
    const bg: [number, number, number] = [90, 140, 100];
    let s = 3;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        // an ellipse with a soft (1.5 px) edge; the label map is its hard threshold
        const d = (1 - Math.hypot((x - 300) / 110, (y - 220) / 150)) * 110;
        const a = Math.min(1, Math.max(0, (d + 1.5) / 3));
        s = (s * 1103515245 + 12345) & 0x7fffffff;
        const n = ((s >> 16) & 7) - 3;
        for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.round(bg[k]! + n + (person[k]! - bg[k]! - n) * a);
        data[i] = a >= 0.5 ? 4 : 0;
      }
    }
    const map = { width: w, height: h, data, labels: scene.map.labels };
    const r = await executor().execute({ image: await png({ data: rgb, width: w, height: h, channels: 3 }), labelMap: map, commands: [{ command: 'blur', args: { labels: ['Background'], strength: 100 } }] });
    await dump('blur-halo', r.image.data, w, h, 3);
    const dir = [person[0] - bg[0], person[1] - bg[1], person[2] - bg[2]];
    const norm = dir[0]! ** 2 + dir[1]! ** 2 + dir[2]! ** 2;
    let sum = 0, n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (data[i] !== 0) continue;
        let near = false;
        for (let dy = -8; dy <= 8 && !near; dy++) for (let dx = -8; dx <= 8; dx++) if (data[(Math.min(h - 1, Math.max(0, y + dy))) * w + Math.min(w - 1, Math.max(0, x + dx))] === 4) { near = true; break; }
        if (!near) continue;
        const p = i * 3;
        const k = ((r.image.data[p]! - bg[0]) * dir[0]! + (r.image.data[p + 1]! - bg[1]) * dir[1]! + (r.image.data[p + 2]! - bg[2]) * dir[2]!) / norm;
        sum += Math.max(0, k);
        n++;
      }
    }
    expect(n).toBeGreaterThan(3_000);
    const share = sum / n;
    console.log(`blur halo: person colour in the 8 px band outside: ${(share * 100).toFixed(2)} %`);
    expect(share).toBeLessThanOrEqual(0.05);
  });
});
