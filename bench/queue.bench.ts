import { performance } from 'node:perf_hooks';
import { percentile, round, type Bench, type Figure } from './harness.js';
import { MemoryJobQueue, type JobQueue } from '../src/engine/jobs/queue/index.js';
import { BullJobQueue } from '../src/engine/jobs/queue/bullmq.js';
import { getLogger } from '../src/util/logger.js';
import { hasRedis, startRedis } from '../test/helpers/redis.js';

const JOBS = 500;
const USERS = 50;

/**
 * Pushes JOBS jobs (one burst, USERS users taking turns) through queues whose runner is an instant
 * fake backend; times enqueue → runner done per job, and the whole batch.
 */
async function measure(label: string, queues: JobQueue[], concurrency: number): Promise<Figure[]> {
  const enqueuedAt = new Map<string, number>();
  const latencies: number[] = [];
  const ranOn = queues.map(() => 0);
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((r) => (allDone = r));
  await Promise.all(
    queues.map((q, i) =>
      q.start(async (id) => {
        ranOn[i]!++;
        latencies.push(performance.now() - enqueuedAt.get(id)!);
        if (++done === JOBS) allDone();
      }),
    ),
  );
  const t0 = performance.now();
  // A burst: every click arrives at once, through alternating instances (as a load balancer spreads them).
  await Promise.all(
    Array.from({ length: JOBS }, (_, i) => {
      const id = `j${i}x${label.replace(/\W/g, '')}`;
      enqueuedAt.set(id, performance.now());
      return queues[i % queues.length]!.enqueue({ id, user: `u${i % USERS}`, lane: 'local' });
    }),
  );
  const enqueueMs = performance.now() - t0;
  await finished;
  const totalMs = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const c = `${label}, concurrency ${concurrency}`;
  const bench = 'queue';
  const figures: Figure[] = [
    { bench, case: c, metric: 'throughput', value: round(JOBS / (totalMs / 1000), 0), unit: 'jobs/s' },
    { bench, case: c, metric: 'enqueue→done p50', value: round(percentile(latencies, 50), 2), unit: 'ms' },
    { bench, case: c, metric: 'enqueue→done p99', value: round(percentile(latencies, 99), 2), unit: 'ms' },
    { bench, case: c, metric: 'all enqueued after', value: round(enqueueMs, 1), unit: 'ms' },
  ];
  if (queues.length > 1) figures.push({ bench, case: c, metric: 'jobs run by worker 1 / 2', value: ranOn[0]!, unit: `of ${JOBS} (worker 2: ${ranOn[1]})` });
  for (const q of queues) await q.close();
  return figures;
}

const bench: Bench = {
  name: 'queue',
  description: `${JOBS} jobs, instant fake backend: in-process FairScheduler vs BullMQ on a local redis-server with two workers (two queue instances, as two service replicas)`,
  async run() {
    const figures: Figure[] = [];
    for (const concurrency of [1, 8]) {
      figures.push(...(await measure('in-process', [new MemoryJobQueue({ default: concurrency, local: concurrency })], concurrency)));
    }
    if (!hasRedis) {
      console.error('redis-server not installed: BullMQ cases skipped');
      return figures;
    }
    const redis = await startRedis();
    const log = getLogger();
    try {
      for (const concurrency of [1, 8]) {
        const prefix = `bench${concurrency}:q`;
        const open = () =>
          BullJobQueue.connect({
            redisUrl: redis.url,
            prefix,
            concurrency: { default: concurrency, local: concurrency },
            lanes: ['local'],
            lockDurationMs: 30_000,
            stalledIntervalMs: 15_000,
            maxStalledCount: 2,
            cancelPollMs: 1000,
            log,
          });
        figures.push(...(await measure('BullMQ, 2 workers', [await open(), await open()], concurrency)));
      }
    } finally {
      await redis.stop();
    }
    return figures;
  },
};

export default bench;
