import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { Bench, Figure } from './harness.js';
import { percentile, round } from './harness.js';
import { OnnxSegmenter, getCard } from '../src/providers/segment/index.js';
import { loadConfig } from '../src/config/load.js';

/**
 * Photo → label map with the random-weight SegFormer-B2 replica (real architecture and I/O) on 2
 * threads: latency including decode, resize, inference and upsampling+argmax; peak RSS of the
 * process (the worker thread included); the longest main event-loop block meanwhile.
 * Few runs: the CPU is shared.
 */
// Compiled to .bench-dist/bench/, where the config loader's default folder (.bench-dist/config) does not exist.
process.env.CONFIG_DIR ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');

const MODEL = process.env.SEGMENT_BENCH_MODEL ?? '/work/shared/models/segformer-b2-replica.onnx';

async function photo(): Promise<Buffer> {
  const w = 1600;
  const h = 1200;
  const noise = Buffer.alloc(w * h * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  return sharp(noise, { raw: { width: w, height: h, channels: 3 } }).blur(3).jpeg({ quality: 90 }).toBuffer();
}

const bench: Bench = {
  name: 'segment',
  description: 'segmentation latency, peak RSS and event-loop block (segformer-b2 replica, 2 threads)',
  async run() {
    if (!existsSync(MODEL)) throw new Error(`model not found: ${MODEL} (set SEGMENT_BENCH_MODEL)`);
    const image = await photo();
    const figures: Figure[] = [];
    // Control: the longest event-loop delay with nothing running, under the same machine load.
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 3000));
    idle.disable();
    figures.push({ bench: 'segment', case: 'idle 3 s (control)', metric: 'max loop block', value: round(idle.max / 1e6, 1), unit: 'ms' });
    for (const [size, runs] of [
      [512, 3],
      [384, 3],
    ] as const) {
      const segmenter = new OnnxSegmenter({
        name: 'segformer-b2-replica',
        card: getCard('segformer_b2_clothes', loadConfig({ sections: ['models'] }).models),
        file: MODEL,
        verifyHash: false,
        threads: 2,
        inputSize: { width: size, height: size },
      });
      await segmenter.segment(image); // warm-up: session creation
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const times: number[] = [];
      const parts = { decodeMs: [] as number[], inferenceMs: [] as number[], postMs: [] as number[] };
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await segmenter.segment(image);
        times.push(performance.now() - t0);
        for (const k of ['decodeMs', 'inferenceMs', 'postMs'] as const) parts[k].push(segmenter.lastTimings![k]);
      }
      loop.disable();
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      times.sort((a, b) => a - b);
      const c = `1600×1200 JPEG @ ${size}`;
      figures.push({ bench: 'segment', case: c, metric: 'p50', value: round(percentile(times, 50)), unit: 'ms', goal: size === 512 ? '≤ 1200 ms' : undefined });
      figures.push({ bench: 'segment', case: c, metric: 'max', value: round(times.at(-1)!), unit: 'ms' });
      for (const k of ['decodeMs', 'inferenceMs', 'postMs'] as const) {
        figures.push({ bench: 'segment', case: c, metric: `p50 ${k.replace('Ms', '')}`, value: round(percentile([...parts[k]].sort((a, b) => a - b), 50)), unit: 'ms' });
      }
      figures.push({ bench: 'segment', case: c, metric: 'peak RSS', value: round(peak / 1024 / 1024, 0), unit: 'MiB' });
      figures.push({ bench: 'segment', case: c, metric: 'max loop block', value: round(loop.max / 1e6, 1), unit: 'ms', goal: '≤ 20 ms' });
      await segmenter.close();
    }
    return figures;
  },
};
export default bench;
