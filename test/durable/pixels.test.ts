import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelMap } from '../../src/core/types.js';
import { countLabels, tint } from '../../src/pipeline/image/kernels/labels.js';
import { pixelPool } from '../../src/pipeline/image/pool.js';
import { sharedAsync, sharedBytes } from '../../src/pipeline/image/shared.js';
import { countLabelsOffThread, labelFractions, labelHistogram } from '../../src/pipeline/labelmap.js';
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

describe('label maps in the pixel pool', () => {
  it('counts parts and tints the overlay exactly as the same loops on the main thread', async () => {
    const map = bigMap();
    const inline = countLabels(map.data, LABELS.length);
    await countLabelsOffThread(map);
    // Counted in a worker, kept with the map: later reads cost nothing.
    expect(Array.from(labelHistogram(map))).toEqual(Array.from(inline));
    expect(labelFractions(map).map((f) => f.name)).toEqual(['Upper-clothes', 'Background', 'Face', 'Hair', 'Skirt']);
    // The map now lives in shared memory, so later pool tasks read it without a copy.
    expect(map.data.buffer).toBeInstanceOf(SharedArrayBuffer);

    const rgb = new Uint8Array(1024 * 640 * 3).map((_, i) => i % 251);
    const out = sharedBytes(1024 * 640 * 3);
    await pixelPool().run({ kind: 'labels.tint', rgb: await sharedAsync(rgb), width: 1024, height: 640, channels: 3, map: map.data.buffer as SharedArrayBuffer, mapWidth: map.width, mapHeight: map.height, out: out.buffer as SharedArrayBuffer });
    expect(Buffer.from(out).equals(Buffer.from(tint(rgb, 1024, 640, 3, map)))).toBe(true);
  });
});
