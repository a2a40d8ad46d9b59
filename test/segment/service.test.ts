import { describe, expect, it } from 'vitest';
import Keyv from 'keyv';
import { SegmentationService, type Segmenter } from '../../src/providers/segment/index.js';
import type { LabelMap } from '../../src/core/types.js';

/** A stand-in model that labels every photo with its first byte, counting its runs. */
function countingSegmenter(): Segmenter & { runs: number } {
  return {
    name: 'counting',
    labels: ['Background', 'Hat'],
    runs: 0,
    async segment(image: Buffer): Promise<LabelMap> {
      this.runs++;
      return { width: 2, height: 1, data: Uint8Array.from([image[0]! & 1, 1]), labels: this.labels };
    },
    async health() {
      return { name: 'segmenter:counting', state: 'ok' as const, detail: 'test model' };
    },
    async close() {},
  };
}

describe('SegmentationService with large photos (hashed in slices)', () => {
  it('stores the map under the sha256 key of the whole photo and parses it once', async () => {
    const model = countingSegmenter();
    const store = new Map<string, unknown>();
    const service = new SegmentationService(model, new Keyv({ store }));
    // 3.5 MiB with distinct bytes in every slice, so a hash of only part of it would differ.
    const photo = Buffer.alloc(3.5 * 1024 * 1024 + 17);
    for (let i = 0; i < photo.length; i += 997) photo[i] = (i >>> 10) & 255;
    const [a, b] = await Promise.all([service.segment(photo), service.segment(Buffer.from(photo))]);
    expect(model.runs).toBe(1);
    expect([...b.data]).toEqual([...a.data]);
    expect([...store.keys()].some((k) => k.endsWith(service.cacheKey(photo)))).toBe(true);

    const changed = Buffer.from(photo);
    changed[changed.length - 1] = 1;
    await service.segment(changed);
    expect(model.runs).toBe(2);
  });
});
