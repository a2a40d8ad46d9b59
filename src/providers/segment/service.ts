import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import Keyv from 'keyv';
import type { LabelMap } from '../../core/types.js';
import type { Segmenter } from './types.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
/** Bytes hashed per event-loop turn: ~1 ms of sha256, so a 50 MB photo never blocks the loop for long. */
const HASH_SLICE = 1 << 20;

interface StoredMap {
  v: 1;
  width: number;
  height: number;
  labels: string[];
  /** Deflated label bytes, base64: label maps are flat and shrink ~50×, and any keyv store takes a string. */
  z: string;
}

/**
 * Segmentation with a cache keyed by the sha256 of the photo bytes and the model, so a photo
 * edited several times is parsed once; concurrent requests for the same photo share one run.
 */
export class SegmentationService {
  private readonly cache: Keyv;
  private readonly inflight = new Map<string, Promise<LabelMap>>();
  /** Runs of the segmenter (cache misses), for tests and metrics. */
  runs = 0;

  constructor(
    readonly segmenter: Segmenter,
    cache?: Keyv,
    private readonly ttlMs = 7 * 24 * 3600 * 1000,
  ) {
    this.cache = cache ?? new Keyv();
  }

  get labels(): readonly string[] {
    return this.segmenter.labels;
  }

  cacheKey(image: Buffer): string {
    return `labelmap:${this.segmenter.name}:${createHash('sha256').update(image).digest('hex')}`;
  }

  /** The same key as `cacheKey`, hashed in slices with a yield between them (webcrypto's digest copies the input on the main thread: slower). */
  private async cacheKeyAsync(image: Buffer): Promise<string> {
    if (image.length <= HASH_SLICE) return this.cacheKey(image);
    const hash = createHash('sha256');
    for (let at = 0; at < image.length; at += HASH_SLICE) {
      if (at > 0) await nextTurn();
      hash.update(image.subarray(at, at + HASH_SLICE));
    }
    return `labelmap:${this.segmenter.name}:${hash.digest('hex')}`;
  }

  async segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap> {
    const key = await this.cacheKeyAsync(image);
    const running = this.inflight.get(key);
    if (running) return running;
    const job = (async () => {
      const hit = await this.read(key);
      if (hit) return hit;
      this.runs++;
      const map = await this.segmenter.segment(image, signal);
      await this.write(key, map);
      return map;
    })();
    this.inflight.set(key, job);
    try {
      return await job;
    } finally {
      this.inflight.delete(key);
    }
  }

  private async read(key: string): Promise<LabelMap | undefined> {
    const stored = (await this.cache.get(key).catch(() => undefined)) as StoredMap | undefined;
    if (!stored || stored.v !== 1) return undefined;
    const data = new Uint8Array(await inflate(Buffer.from(stored.z, 'base64')));
    if (data.length !== stored.width * stored.height) return undefined;
    return { width: stored.width, height: stored.height, data, labels: stored.labels };
  }

  private async write(key: string, map: LabelMap): Promise<void> {
    const z = (await deflate(map.data, { level: 1 })).toString('base64');
    const value: StoredMap = { v: 1, width: map.width, height: map.height, labels: [...map.labels], z };
    await this.cache.set(key, value, this.ttlMs).catch(() => undefined);
  }
}
