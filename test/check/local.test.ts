import { converter, differenceEuclidean } from 'culori';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawImage } from '../../src/core/image-io.js';
import { checkLocally, closeCheckPool } from '../../src/pipeline/check/local.js';
import { createResultChecker } from '../../src/pipeline/check/index.js';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { regionDeltas, rgbToLab } from '../../src/pipeline/check/delta-e.js';
import { createExecutor, type AppliedRegion } from '../../src/pipeline/execute/index.js';
import type { Command } from '../../src/core/commands.js';
import { ensureBuilt } from '../helpers/build.js';
import { envWith, execConfig, png, syntheticScene, SHIRT } from '../execute/helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => closeCheckPool());

const OPTS = { workingSide: 256, minDeltaE: { default: 2, recolor: 3 } };
const cmd = (command: string, args: Record<string, unknown> = {}): Command => ({ command, args });

/** A flat photo: beige everywhere, with a "shirt" rectangle whose alpha is given. */
function scene(w = 120, h = 80, colour: [number, number, number] = [200, 180, 150]): { image: RawImage; shirt: Uint8Array } {
  const data = Buffer.alloc(w * h * 3);
  const shirt = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      data.set(colour, (y * w + x) * 3);
      if (x >= 40 && x < 80 && y >= 30) shirt[y * w + x] = 255;
    }
  return { image: { data, width: w, height: h, channels: 3 }, shirt };
}

function paint(img: RawImage, alpha: Uint8Array, rgb: [number, number, number]): RawImage {
  const data = Buffer.from(img.data);
  for (let i = 0; i < alpha.length; i++) if (alpha[i]) data.set(rgb, i * 3);
  return { ...img, data };
}

describe('ΔE kernel', () => {
  it('converts sRGB to CIELAB (D65) as culori does', () => {
    const lab65 = converter('lab65');
    for (const [r, g, b] of [[0, 0, 0], [255, 255, 255], [200, 120, 40], [30, 60, 220], [128, 128, 128], [250, 245, 230]] as const) {
      const want = lab65({ mode: 'rgb', r: r / 255, g: g / 255, b: b / 255 });
      const [l, a, bb] = rgbToLab(r, g, b);
      expect(l).toBeCloseTo(want.l, 4);
      expect(a).toBeCloseTo(want.a, 4);
      expect(bb).toBeCloseTo(want.b, 4);
    }
  });

  it('weights each region by its alpha and counts opacity changes', () => {
    const beige = [200, 180, 150, 255];
    const white = [250, 250, 250, 255];
    const before = new Uint8Array([...beige, ...beige, ...beige, ...beige]);
    const after = new Uint8Array([...white, ...white, ...beige, 200, 180, 150, 0]);
    const [shirt, transparent, whole] = regionDeltas({ width: 4, height: 1, before, after, regions: [new Uint8Array([255, 255, 0, 0]), new Uint8Array([0, 0, 0, 255]), null] });
    const expected = differenceEuclidean('lab65')({ mode: 'rgb', r: 200 / 255, g: 180 / 255, b: 150 / 255 }, { mode: 'rgb', r: 250 / 255, g: 250 / 255, b: 250 / 255 });
    expect(shirt!.meanDeltaE).toBeCloseTo(expected, 3);
    expect(shirt!.changedFraction).toBe(1);
    expect(transparent!.meanDeltaE).toBeCloseTo(100, 5);
    expect(whole!.weight).toBe(4);
  });
});

describe('local result check', () => {
  it('a recolour that shows passes; one that changed nothing is reported as unchanged', async () => {
    const { image, shirt } = scene();
    const regions: AppliedRegion[] = [{ index: 0, command: cmd('recolor', { labels: ['Upper-clothes'], color: 'white' }), alpha: shirt }];
    const done = await checkLocally(image, paint(image, shirt, [250, 250, 250]), regions, OPTS);
    expect(done.regions[0]).toMatchObject({ index: 0, changed: true, measured: true, minDeltaE: 3 });
    expect(done.regions[0]!.meanDeltaE).toBeGreaterThan(15);
    expect(done.outside).toEqual({ checked: true, changed: false, pixels: 0 });

    const same = await checkLocally(image, paint(image, shirt, [201, 180, 150]), regions, OPTS);
    expect(same.regions[0]).toMatchObject({ changed: false, minDeltaE: 3 });
    expect(same.regions[0]!.meanDeltaE).toBeLessThan(1);
  });

  it('asserts that nothing outside the feathered regions changed, exactly, at full resolution', async () => {
    const { image, shirt } = scene(300, 200);
    const after = paint(image, shirt, [250, 250, 250]);
    after.data[(5 * 300 + 7) * 3 + 2] ^= 1; // one bit of one pixel far from the shirt
    after.data[(150 * 300 + 250) * 3] ^= 4;
    const check = await checkLocally(image, after, [{ index: 0, command: cmd('recolor'), alpha: shirt }], OPTS);
    expect(check.outside).toMatchObject({ checked: true, changed: true });
    expect(check.outside.pixels).toBeGreaterThanOrEqual(1);
    // a whole-photo region leaves nothing outside to check
    const whole = await checkLocally(image, after, [{ index: 0, command: cmd('adjust'), alpha: 'whole' }], OPTS);
    expect(whole.outside.checked).toBe(false);
  });

  it('judges each command in its own region', async () => {
    const { image, shirt } = scene();
    const background = shirt.map((v) => (v ? 0 : 255));
    const after = paint(image, background, [40, 90, 200]); // background changed, shirt untouched
    const check = await checkLocally(image, after, [
      { index: 0, command: cmd('change', { labels: ['Background'] }), alpha: background },
      { index: 1, command: cmd('recolor', { labels: ['Upper-clothes'] }), alpha: shirt },
    ], OPTS);
    expect(check.regions.map((r) => [r.index, r.changed])).toEqual([[0, true], [1, false]]);
    expect(check.outside.changed).toBe(false);
  });

  it('counts a cut-out (alpha gained) as a change even where the colour stays', async () => {
    const { image, shirt } = scene();
    const rgba = Buffer.alloc(image.width * image.height * 4);
    for (let i = 0; i < shirt.length; i++) rgba.set([200, 180, 150, shirt[i] ? 0 : 255], i * 4);
    const check = await checkLocally(image, { data: rgba, width: image.width, height: image.height, channels: 4 }, [{ index: 0, command: cmd('remove'), alpha: shirt }], OPTS);
    expect(check.regions[0]!.changed).toBe(true);
    expect(check.outside.changed).toBe(false);
  });

  it('the executor reports each applied command with its region, and the check agrees with what it did', async () => {
    const { rgb, map } = syntheticScene(160, 120);
    const executor = createExecutor({ env: envWith(), config: execConfig(), imageBackends: [] });
    const photo = await png({ data: rgb, width: 160, height: 120, channels: 3 });
    const result = await executor.execute({
      image: photo,
      labelMap: map,
      commands: [cmd('recolor', { labels: ['Upper-clothes'], color: '#ffffff' }), cmd('adjust', { labels: ['Background'], brightness: 0, contrast: 0, saturation: 0 })],
    });
    expect(result.regions!.map((r) => [r.index, r.command.command])).toEqual([[0, 'recolor'], [1, 'adjust']]);
    const shirtAlpha = result.regions![0]!.alpha as Uint8Array;
    expect(shirtAlpha.length).toBe(160 * 120);
    for (let i = 0; i < map.data.length; i++) if (map.data[i] !== SHIRT) expect(shirtAlpha[i]).toBe(0);
    const before = { data: rgb, width: 160, height: 120, channels: 3 as const };
    const check = await checkLocally(before, result.image, result.regions!, OPTS);
    expect(check.regions.map((r) => r.changed)).toEqual([true, false]); // an all-zero adjust changes nothing
    expect(check.outside.changed).toBe(false);
  });

  it('an executor that reports no regions: regions come from the label map (ΔE only, no outside assertion)', async () => {
    const { rgb, map } = syntheticScene(160, 120);
    const before = await png({ data: rgb, width: 160, height: 120, channels: 3 });
    const after = Buffer.from(rgb);
    for (let i = 0; i < map.data.length; i++) if (map.data[i] === SHIRT) after.set([250, 250, 250], i * 3);
    after[0] ^= 1; // outside every region: not asserted without exact regions
    const { llm, safety } = loadConfig({ sections: ['llm', 'safety'] });
    const checker = createResultChecker({ env: readEnv({}), llm, safety, processEnv: {} });
    const shirt = cmd('recolor', { labels: ['Upper-clothes'], color: '#ffffff' });
    const face = cmd('face', { prompt: 'smile' });
    const keep = cmd('cutout', { labels: ['Upper-clothes'] });
    const report = await checker.check({
      mode: 'local',
      before,
      after: { data: after, width: 160, height: 120, channels: 3 },
      regions: undefined,
      labelMap: map,
      applied: [{ index: 0, command: shirt }, { index: 1, command: face }, { index: 2, command: keep }],
      locale: 'en',
    });
    expect(report.outside).toBeUndefined();
    expect(report.commands.map((c) => [c.index, c.passed, c.failure])).toEqual([[0, true, undefined], [1, true, undefined], [2, false, 'unchanged']]);
    expect(report.commands[1]!.deltaE).toBeUndefined(); // no parts named: not judged by pixels
  });
});
