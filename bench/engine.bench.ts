import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile, round, type Bench, type Figure } from './harness.js';
import { TestAdapter, type Recorded } from '../test/support/test-adapter.js';
import { fakeExecutor, makeEngine, photo } from '../test/support/engine-fakes.js';
import { memoryStore, openStore } from '../src/engine/index.js';

const THREADS = 200;

interface Case {
  store: 'memory' | 'sqlite';
  /** burst: all 200 events at the same instant; paced: spread evenly over `spreadMs`. */
  arrival: 'burst' | 'paced';
  spreadMs?: number;
}

/**
 * Event-to-first-reply latency of the engine with instant fakes (segmenter, planner, executor):
 * 200 threads each post a photo with an instruction; we time the acknowledgement and the proposal
 * of each, then click "Run" in every thread and time click → queued message and the result.
 * Counts lost and duplicate answers, and reports RSS.
 */
async function runCase(c: Case): Promise<Figure[]> {
  const dir = c.store === 'sqlite' ? mkdtempSync(path.join(tmpdir(), 'engine-bench-')) : undefined;
  const store = dir ? await openStore({ dataDir: dir, namespace: 'cie', onUnavailable: 'fail' }) : memoryStore();
  const { engine } = await makeEngine({
    store,
    executor: fakeExecutor(),
    config: { jobs: { concurrency: { default: 8, local: 8 }, perUserPerMinute: 100_000, maxQueuedPerUser: 100_000, progressIntervalMs: 0 } } as never,
  });
  const chat = new TestAdapter(engine);
  const image = await photo('#808080', 64, 48);

  // Warm-up outside the measurement: sharp, the store, the code paths.
  for (let i = 0; i < 5; i++) {
    await chat.post({ text: 'brighter', images: [image], thread: `warm${i}` });
    await chat.click(/^Adjust/, { thread: `warm${i}` });
  }
  await chat.waitUntilIdle();

  const sentAt = new Map<string, number>();
  const at = { ack: new Map<string, number>(), proposal: new Map<string, number>(), queued: new Map<string, number>(), result: new Map<string, number>() };
  const clickAt = new Map<string, number>();
  // One message per request: the acknowledgement is sent, then edited into the proposal; a click
  // turns it into the job's progress and then its result. A second message in a thread is a duplicate.
  const counts = new Map<string, { sends: number; results: number }>();
  chat.listeners.push((r: Recorded) => {
    const key = r.thread.thread;
    if (!sentAt.has(key)) return;
    const now = performance.now();
    const n = counts.get(key) ?? { sends: 0, results: 0 };
    const first = (m: Map<string, number>) => void (m.has(key) || m.set(key, now));
    if (r.type === 'send') n.sends++;
    if (r.type === 'ephemeral') return void counts.set(key, n);
    if (r.reply.kind === 'ack') first(at.ack);
    else if (r.reply.kind === 'proposal') first(at.proposal);
    else if (r.reply.kind === 'progress' && clickAt.has(key)) first(at.queued);
    else if (r.reply.kind === 'result') (n.results++, first(at.result));
    counts.set(key, n);
  });

  const threads = Array.from({ length: THREADS }, (_, i) => `B${i}`);
  const gap = c.arrival === 'paced' ? (c.spreadMs ?? 2000) / THREADS : 0;
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const posts: Promise<unknown>[] = [];
  for (const [i, thread] of threads.entries()) {
    if (gap) await sleepUntil(t0 + i * gap);
    sentAt.set(thread, performance.now());
    posts.push(chat.post({ text: 'make it brighter', images: [image], thread, user: { id: `U${i}` } }));
  }
  await Promise.all(posts);
  const clicks: Promise<unknown>[] = [];
  const t1 = performance.now();
  for (const [i, thread] of threads.entries()) {
    if (gap) await sleepUntil(t1 + i * gap);
    clickAt.set(thread, performance.now());
    clicks.push(chat.click(/^Adjust/, { thread, user: { id: `U${i}` } }));
  }
  await Promise.all(clicks);
  await chat.waitUntilIdle();
  const wall = performance.now() - t0;
  const rssAfter = process.memoryUsage().rss;

  const lat = (m: Map<string, number>, from: Map<string, number>) => threads.map((t) => m.get(t)! - from.get(t)!).filter(Number.isFinite).sort((a, b) => a - b);
  const ack = lat(at.ack, sentAt);
  const proposal = lat(at.proposal, sentAt);
  const queued = lat(at.queued, clickAt);
  const result = lat(at.result, clickAt);
  let lost = 0;
  let duplicate = 0;
  for (const t of threads) {
    const n = counts.get(t);
    for (const m of [at.ack, at.proposal, at.queued, at.result]) if (!m.has(t)) lost++;
    duplicate += Math.max(0, (n?.sends ?? 0) - 1) + Math.max(0, (n?.results ?? 0) - 1);
  }
  await engine.close();
  if (dir) rmSync(dir, { recursive: true, force: true });

  const bench = 'engine';
  const cs = `${THREADS} thr ${c.store} ${c.arrival === 'burst' ? 'burst' : `paced ${c.spreadMs}ms`}`;
  const f = (metric: string, value: number, unit: string, goal?: string): Figure => ({ bench, case: cs, metric, value, unit, goal });
  return [
    f('ack p50', round(percentile(ack, 50)), 'ms'),
    f('ack p99', round(percentile(ack, 99)), 'ms', '<= 50 ms'),
    f('proposal p50', round(percentile(proposal, 50)), 'ms'),
    f('proposal p99', round(percentile(proposal, 99)), 'ms', '<= 50 ms'),
    f('click→queued p99', round(percentile(queued, 99)), 'ms'),
    f('click→result p99', round(percentile(result, 99)), 'ms'),
    f('wall', round(wall), 'ms'),
    f('lost answers', lost, 'count', '0'),
    f('duplicate answers', duplicate, 'count', '0'),
    f('RSS after', round(rssAfter / 1024 / 1024, 1), 'MiB'),
    f('RSS growth', round((rssAfter - rssBefore) / 1024 / 1024, 1), 'MiB'),
  ];
}

function sleepUntil(t: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
}

const bench: Bench = {
  name: 'engine',
  description: 'event-to-first-reply latency (ack, proposal) at 200 concurrent threads with instant fakes',
  async run() {
    const out: Figure[] = [];
    out.push(...(await runCase({ store: 'memory', arrival: 'burst' })));
    out.push(...(await runCase({ store: 'memory', arrival: 'paced', spreadMs: 2000 })));
    out.push(...(await runCase({ store: 'sqlite', arrival: 'burst' })));
    out.push(...(await runCase({ store: 'sqlite', arrival: 'paced', spreadMs: 2000 })));
    return out;
  },
};
export default bench;
