import { describe, expect, it } from 'vitest';
import { converter } from 'culori';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { normalizeColor } from '../../src/pipeline/commands/index.js';
import { planLightness, recolorTarget } from '../../src/pipeline/image/recolor.js';
import { L_HAIR, L_TOP, portraitScene } from '../helpers/scenes.js';
import { envWith, execConfig, png } from './helpers.js';
import { blurField, correlation, dump, hueDistance, labOf, meanHue } from './pixel-metrics.js';

const cfg = execConfig();
const W = 900, H = 675;
const scene = portraitScene(W, H);
const toLch = converter('lch');

/** Pixels of `label` whose whole (2·margin+1)² neighbourhood is that label (away from the feather). */
function interior(label: number, margin: number): number[] {
  const d = scene.map.data;
  // integral image of "is label"
  const sum = new Int32Array((W + 1) * (H + 1));
  for (let y = 0; y < H; y++) {
    let row = 0;
    for (let x = 0; x < W; x++) {
      row += d[y * W + x] === label ? 1 : 0;
      sum[(y + 1) * (W + 1) + x + 1] = sum[y * (W + 1) + x + 1]! + row;
    }
  }
  const out: number[] = [];
  const full = (2 * margin + 1) ** 2;
  for (let y = margin; y < H - margin; y++) {
    for (let x = margin; x < W - margin; x++) {
      const x0 = x - margin, x1 = x + margin + 1, y0 = y - margin, y1 = y + margin + 1;
      const c = sum[y1 * (W + 1) + x1]! - sum[y0 * (W + 1) + x1]! - sum[y1 * (W + 1) + x0]! + sum[y0 * (W + 1) + x0]!;
      if (c === full) out.push(y * W + x);
    }
  }
  return out;
}

/** Large-scale lightness of a part: blur normalised by the part (its surroundings never enter). */
function largeScale(L: Float32Array, label: number, radius: number): Float32Array {
  const m = new Float32Array(W * H);
  const lm = new Float32Array(W * H);
  for (let i = 0; i < W * H; i++) if (scene.map.data[i] === label) (m[i] = 1), (lm[i] = L[i]!);
  const bm = blurField(m, W, H, radius);
  const bl = blurField(lm, W, H, radius);
  const out = new Float32Array(W * H);
  for (let i = 0; i < W * H; i++) out[i] = bm[i]! > 1e-6 ? bl[i]! / bm[i]! : 0;
  return out;
}

async function recolor(labels: string[], colour: string) {
  const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [] });
  const color = normalizeColor(colour)!;
  const r = await executor.execute({ image: await png({ data: scene.rgb, width: W, height: H, channels: 3 }), labelMap: scene.map, commands: [{ command: 'recolor', args: { labels, color } }] });
  expect(r.applied).toHaveLength(1);
  expect([r.image.width, r.image.height, r.image.channels]).toEqual([W, H, 3]);
  return { out: r.image.data, color };
}

describe('recolouring keeps shading and texture (generated portrait)', () => {
  it('a cream knit top with folds turned red keeps its folds and its knit, takes the hue, and is not a flat fill', async () => {
    const { out, color } = await recolor(['Upper-clothes'], 'red');
    await dump('recolor-top-red', out, W, H, 3);
    // nothing outside the part changes (the feather lies inside the mask)
    for (let i = 0; i < W * H; i++) {
      if (scene.map.data[i] === L_TOP) continue;
      if (out[i * 3] !== scene.rgb[i * 3] || out[i * 3 + 1] !== scene.rgb[i * 3 + 1] || out[i * 3 + 2] !== scene.rgb[i * 3 + 2]) throw new Error(`pixel ${i % W},${Math.floor(i / W)} outside the top changed`);
    }
    const before = labOf(scene.rgb);
    const after = labOf(out);
    const idx = interior(L_TOP, 6);
    expect(idx.length).toBeGreaterThan(50_000);
    const radius = Math.round(0.012 * W);
    const bigBefore = largeScale(before.L, L_TOP, radius);
    const bigAfter = largeScale(after.L, L_TOP, radius);
    const fineBefore = before.L.map((v, i) => v - bigBefore[i]!);
    const fineAfter = after.L.map((v, i) => v - bigAfter[i]!);
    const large = correlation(bigBefore, bigAfter, idx);
    const fine = correlation(fineBefore, fineAfter, idx);
    expect(large).toBeGreaterThanOrEqual(0.9);
    expect(fine).toBeGreaterThanOrEqual(0.9);
    const target = toLch(color)!;
    expect(hueDistance(meanHue(after, idx), target.h!)).toBeLessThanOrEqual(12);
    // flat: exactly the target, or every channel clipped
    const [tr, tg, tb] = [0xff, 0, 0];
    let flat = 0, total = 0;
    for (let i = 0; i < W * H; i++) {
      if (scene.map.data[i] !== L_TOP) continue;
      total++;
      const r = out[i * 3]!, g = out[i * 3 + 1]!, b = out[i * 3 + 2]!;
      const clipped = (r === 0 || r === 255) && (g === 0 || g === 255) && (b === 0 || b === 255);
      if ((r === tr && g === tg && b === tb) || clipped) flat++;
    }
    expect(flat / total).toBeLessThanOrEqual(0.05);
    console.log(`top → red: large-scale r=${large.toFixed(3)}, fine r=${fine.toFixed(3)}, hue ${meanHue(after, idx).toFixed(1)}° (target ${target.h!.toFixed(1)}°), flat ${((100 * flat) / total).toFixed(2)} %`);
  });

  it('dark hair turned blonde reaches a mid-blonde lightness and keeps its strands', async () => {
    const { out, color } = await recolor(['Hair'], 'blonde');
    await dump('recolor-hair-blonde', out, W, H, 3);
    const before = labOf(scene.rgb);
    const after = labOf(out);
    const idx = interior(L_HAIR, 4);
    expect(idx.length).toBeGreaterThan(5_000);
    const mid = toLch(color)!.l;
    expect(mid).toBeGreaterThan(50);
    expect(mid).toBeLessThan(70);
    const mean = idx.reduce((s, i) => s + after.L[i]!, 0) / idx.length;
    const meanBefore = idx.reduce((s, i) => s + before.L[i]!, 0) / idx.length;
    expect(meanBefore).toBeLessThan(30); // it really was dark
    expect(Math.abs(mean - mid)).toBeLessThanOrEqual(15);
    const radius = Math.round(0.012 * W);
    const bigBefore = largeScale(before.L, L_HAIR, radius);
    const bigAfter = largeScale(after.L, L_HAIR, radius);
    const texture = correlation(before.L.map((v, i) => v - bigBefore[i]!), after.L.map((v, i) => v - bigAfter[i]!), idx);
    expect(texture).toBeGreaterThanOrEqual(0.8);
    console.log(`hair → blonde: mean L* ${meanBefore.toFixed(1)} → ${mean.toFixed(1)} (mid-blonde ${mid.toFixed(1)}), strand texture r=${texture.toFixed(3)}`);
  });

  it('plans lightness from the part, not a flat fill: mean to the target, spread kept within 0..1', () => {
    const cream = planLightness({ mean: 0.85, p02: 0.7, p98: 0.95 }, 0.63);
    expect(cream.target).toBeCloseTo(0.63);
    expect(cream.scale).toBeGreaterThan(0.5);
    expect(cream.detailGain).toBe(1);
    const darkHair = planLightness({ mean: 0.3, p02: 0.15, p98: 0.5 }, 0.65);
    expect(darkHair.target + (0.5 - 0.3) * darkHair.scale).toBeLessThanOrEqual(0.95 + 1e-9);
    // "gold" on hair means a natural blonde: chroma capped, not a printer's yellow
    const gold = recolorTarget(normalizeColor('金色')!, 'hair');
    expect(gold.C).toBeLessThanOrEqual(0.11);
    expect(recolorTarget(normalizeColor('金色')!, 'default').C).toBeGreaterThan(0.15);
  });

  it('knows fashion and hair colour names in English and Chinese', () => {
    const names = ['金色', '酒红色', '米白', '藏青', 'burgundy', 'wine red', 'navy', 'camel', '驼色', 'blonde', '金发', '亚麻色', 'ash blonde', '奶茶色', 'Klein blue', 'rebeccapurple', 'light blue'];
    for (const n of names) expect(normalizeColor(n), n).toMatch(/^#[0-9a-f]{6}$/);
    expect(normalizeColor('酒红色')).toBe(normalizeColor('wine'));
    expect(normalizeColor('金发')).toBe(normalizeColor('blonde'));
    expect(normalizeColor('light blue')).toBe('#add8e6');
    expect(normalizeColor('not a colour')).toBeUndefined();
  });
});
