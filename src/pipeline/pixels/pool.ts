import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { LabelMap, Mask } from '../../core/types.js';
import type { MaskOptions } from '../mask/build.js';
import { countLabels, maskWithBox, tint } from './kernels.js';

/**
 * Per-pixel work that sharp cannot express (label histograms, overlay tints, edit masks from label
 * maps) runs in a small piscina worker pool, so a 49 MP photo never holds the event loop (webhook
 * acks, /healthz) for the hundreds of milliseconds these loops take. Label maps are moved into
 * shared memory once (a memcpy) and then reach the workers without copying. Below SMALL pixels the
 * work runs inline: a thread hop would cost more than it saves. The pool starts on first use and
 * its threads exit when idle, so it never holds the process open.
 */
const SMALL = 1 << 20;

/** The compiled worker next to this module (dist/); from src/ (vitest), the one in dist/. */
function workerFile(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'worker.js');
  if (existsSync(beside)) return beside;
  const fromDist = path.resolve(here, '..', '..', '..', 'dist', 'pipeline', 'pixels', 'worker.js');
  return existsSync(fromDist) ? fromDist : undefined;
}

let pool: Piscina | null | undefined;

function thePool(): Piscina | null {
  if (pool !== undefined) return pool;
  const filename = workerFile();
  pool = filename
    ? new Piscina({
        filename,
        minThreads: 0,
        maxThreads: Math.max(1, Math.min(4, (os.availableParallelism?.() ?? os.cpus().length) - 1)),
        idleTimeout: 10_000,
      })
    : null;
  return pool;
}

const sharing = new WeakMap<{ data: Uint8Array }, Promise<void>>();
/** Bytes copied between two turns of the event loop (a couple of milliseconds). */
const COPY_SLICE = 4 << 20;

/**
 * The map's pixels in shared memory, so workers read them without a copy each: copied there once,
 * in slices (49 MB at once would hold the loop for tens of milliseconds); the map keeps the copy.
 */
async function shared<T extends { data: Uint8Array }>(map: T): Promise<T> {
  if (map.data.buffer instanceof SharedArrayBuffer) return map;
  let copying = sharing.get(map);
  if (!copying) {
    copying = (async () => {
      const from = map.data;
      const to = new Uint8Array(new SharedArrayBuffer(from.length));
      for (let at = 0; at < from.length; at += COPY_SLICE) {
        to.set(from.subarray(at, at + COPY_SLICE), at);
        if (at + COPY_SLICE < from.length) await new Promise<void>((r) => setImmediate(r));
      }
      map.data = to;
    })();
    sharing.set(map, copying);
  }
  await copying;
  return map;
}

function run<T>(name: string, task: unknown, transferList: ArrayBuffer[] = []): Promise<T> {
  return thePool()!.run(task, { name, transferList: transferList as never }) as Promise<T>;
}

/** Pixel counts per label index. */
export async function labelCountsOffThread(map: LabelMap): Promise<Float64Array> {
  if (map.data.length < SMALL || !thePool()) return countLabels(map.data, map.labels.length);
  const { data } = await shared(map);
  return run<Float64Array>('histogram', { data, slots: map.labels.length });
}

/** See kernels.tint. */
export async function tintOffThread(rgb: Uint8Array, w: number, h: number, ch: number, map: LabelMap): Promise<Uint8Array> {
  if ((w * h < SMALL / 4 && map.data.length < SMALL) || !thePool()) return tint(rgb, w, h, ch, map);
  // A copy the worker can take over (sharp's buffers cannot be transferred); the overlay is at most about 1 MP.
  const own = new Uint8Array(rgb);
  const { width, height, data } = await shared(map);
  return run<Uint8Array>('overlay', { rgb: own, w, h, ch, map: { width, height, data } }, [own.buffer as ArrayBuffer]);
}

/** The edit mask for `opts` and its bounding box (see mask/build.ts). */
export async function maskOffThread(map: LabelMap, opts: MaskOptions, invert = false): Promise<{ mask: Mask; box: { left: number; top: number; width: number; height: number } | null }> {
  if (map.data.length < SMALL || !thePool()) return maskWithBox(map, opts, invert);
  const { width, height, data, labels } = await shared(map);
  return run('mask', { map: { width, height, data, labels: [...labels] }, opts: JSON.parse(JSON.stringify(opts)) as MaskOptions, invert });
}
