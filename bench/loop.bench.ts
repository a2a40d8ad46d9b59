import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { percentile, round, type Bench, type Figure } from './harness.js';
import { TestAdapter } from '../test/support/test-adapter.js';
import { LABELS, fakePlanner, realEngineOptions, testEnv } from '../test/support/engine-fakes.js';
import { createEngine, FileBlobStore, openStore } from '../src/engine/index.js';
import type { LabelMap } from '../src/core/types.js';
import type { Segmentation } from '../src/engine/deps.js';
import { HttpServer } from '../src/server/http.js';

const SIDE = 7000; // 49 MP

/** A smooth 49 MP photo (a small random image enlarged), as JPEG. */
async function bigPhoto(): Promise<Buffer> {
  const small = Buffer.from(Array.from({ length: 70 * 70 * 3 }, (_, i) => (i * 2654435761) >>> 24));
  return sharp(small, { raw: { width: 70, height: 70, channels: 3 } }).resize(SIDE, SIDE, { kernel: 'cubic' }).jpeg({ quality: 90 }).toBuffer();
}

/** A segmenter whose label map (background, face, upper clothes in bands) was computed before the measurement. */
function precomputed(): Segmentation {
  const data = new Uint8Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) data.fill(y < SIDE / 3 ? 0 : y < (2 * SIDE) / 3 ? 11 : 4, y * SIDE, (y + 1) * SIDE);
  const map: LabelMap = { width: SIDE, height: SIDE, data, labels: LABELS };
  return { labels: LABELS, segment: async () => map };
}

/**
 * GET /healthz every 10 ms from a worker thread (its own event loop, so its clock is not held up by
 * the main thread's blocks), whether or not the previous probe was answered, as a load balancer's
 * probes arrive: a block of the main loop delays every probe that falls into it.
 */
function probe(url: string): { stop(): Promise<number[]> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const http = require('node:http');
     const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
     const out = []; const pending = new Set();
     const timer = setInterval(() => {
       const t0 = performance.now();
       const p = new Promise((resolve) => http.get(workerData, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', resolve))
         .then(() => { out.push(performance.now() - t0); pending.delete(p); });
       pending.add(p);
     }, 10);
     parentPort.on('message', async () => { clearInterval(timer); await Promise.all(pending); parentPort.postMessage(out); });`,
    { eval: true, workerData: url },
  );
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (out: number[]) => {
          void worker.terminate();
          resolve(out);
        });
        worker.postMessage('stop');
      }),
  };
}

interface Case {
  name: string;
  instruction: string;
  button: RegExp;
}

async function runCase(c: Case, photo: Buffer): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'loop-bench-'));
  try {
    const engine = await createEngine(
      realEngineOptions({
        env: testEnv(dir),
        store: await openStore({ dataDir: dir, namespace: 'cie', onUnavailable: 'fail' }),
        blobs: new FileBlobStore(path.join(dir, 'images')),
        segmentation: precomputed(),
        planner: fakePlanner(),
        suggester: null,
        config: { jobs: { progressIntervalMs: 500, timeoutSeconds: 600 } } as never,
      }),
    );
    const http = new HttpServer();
    const { port } = await http.listen('127.0.0.1', 0);
    const chat = new TestAdapter(engine, { uploadLimit: 50 * 1024 * 1024 });
    const image = TestAdapter.image(photo, { name: 'big.jpg', mimeType: 'image/jpeg' });

    const loop = monitorEventLoopDelay({ resolution: 5 });
    // The proposal phase alone (intake, parts, overlay, plan): no pixel edit yet.
    const proposing = monitorEventLoopDelay({ resolution: 5 });
    const poller = probe(`http://127.0.0.1:${port}/healthz`);
    await new Promise((r) => setTimeout(r, 200));
    loop.enable();
    proposing.enable();
    const t0 = performance.now();
    await chat.post({ text: c.instruction, images: [image], thread: c.name });
    const proposed = performance.now();
    proposing.disable();
    await chat.click(c.button, { thread: c.name });
    await chat.waitUntilIdle();
    const done = performance.now();
    loop.disable();
    const latencies = (await poller.stop()).sort((a, b) => a - b);
    const result = chat.last(c.name)!.reply;
    if (result.kind !== 'result') throw new Error(`no result: ${result.text}`);
    await engine.close();
    await http.close();
    const bench = 'loop';
    return [
      { bench, case: c.name, metric: 'loop max block', value: round(loop.max / 1e6, 1), unit: 'ms', goal: '≤ 50' },
      { bench, case: c.name, metric: 'loop max (proposal)', value: round(proposing.max / 1e6, 1), unit: 'ms', goal: '≤ 50' },
      { bench, case: c.name, metric: 'loop delay p99', value: round(loop.percentile(99) / 1e6, 1), unit: 'ms' },
      { bench, case: c.name, metric: 'healthz p99', value: round(percentile(latencies, 99), 1), unit: 'ms', goal: '≤ 50' },
      { bench, case: c.name, metric: 'healthz max', value: round(latencies.at(-1) ?? NaN, 1), unit: 'ms' },
      { bench, case: c.name, metric: 'healthz probes', value: latencies.length, unit: '' },
      { bench, case: c.name, metric: 'photo → proposal', value: round(proposed - t0, 0), unit: 'ms' },
      { bench, case: c.name, metric: 'photo → result', value: round(done - t0, 0), unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Bench = {
  name: 'loop',
  description: `event-loop block and /healthz latency while a ${SIDE}×${SIDE} (49 MP) photo is proposed for (overlay, parts) and edited (real pipeline)`,
  async run() {
    const photo = await bigPhoto();
    const out: Figure[] = [];
    for (const c of [
      { name: 'brighter (whole photo)', instruction: 'make it brighter', button: /^Adjust/ },
      { name: 'shirt white (one part)', instruction: 'make the shirt white', button: /^Recolou?r/ },
    ]) {
      out.push(...(await runCase(c, photo)));
    }
    return out;
  },
};
export default bench;
