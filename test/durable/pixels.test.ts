import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelMap } from '../../src/core/types.js';
import { countLabels, maskWithBox, tint } from '../../src/pipeline/pixels/kernels.js';
import { labelCountsOffThread, maskOffThread, tintOffThread } from '../../src/pipeline/pixels/pool.js';
import { ensureBuilt } from '../helpers/build.js';

const LABELS = ['Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt', 'Left-shoe', 'Right-shoe', 'Face'];

/** A map big enough to go to the worker pool: bands of background, hair, face and clothes. */
function bigMap(): LabelMap {
  const width = 1600;
  const height = 1000;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = y < 250 ? 0 : y < 400 ? 2 : y < 600 ? 11 : x % 7 === 0 ? 5 : 4;
  return { width, height, data, labels: LABELS };
}

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

describe('per-pixel work in the worker pool', () => {
  it('gives the same histogram, mask and overlay as the same loops on the main thread', async () => {
    const map = bigMap();
    const inline = { counts: countLabels(map.data, LABELS.length), mask: maskWithBox(map, { labels: ['Upper-clothes', 'Hair'] }) };
    expect(Array.from(await labelCountsOffThread(map))).toEqual(Array.from(inline.counts));
    // The map now lives in shared memory, so workers read it without a copy.
    expect(map.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const off = await maskOffThread(map, { labels: ['Upper-clothes', 'Hair'] });
    expect(off.box).toEqual(inline.mask.box);
    expect(Buffer.from(off.mask.data).equals(Buffer.from(inline.mask.mask.data))).toBe(true);
    const inverted = await maskOffThread(map, { labels: ['Upper-clothes', 'Hair'] }, true);
    expect(inverted.mask.data[0]).toBe(255);
    expect(inverted.mask.data[300 * 1600]).toBe(0);
    const rgb = new Uint8Array(1024 * 640 * 3).map((_, i) => i % 251);
    expect(Buffer.from(await tintOffThread(rgb, 1024, 640, 3, map)).equals(Buffer.from(tint(rgb, 1024, 640, 3, map)))).toBe(true);
  });
});
