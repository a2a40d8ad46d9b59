import type { EngineConfig } from '../../../config/schemas/engine.js';
import type { Logger } from '../../../util/logger.js';
import { MemoryJobQueue } from './memory.js';
import type { JobQueue } from './types.js';

export * from './types.js';
export { MemoryJobQueue } from './memory.js';

/** Lanes the engine uses whatever the config lists (see Engine.laneFor). */
const BUILTIN_LANES = ['default', 'local', 'generative'];

/**
 * The job queue for this process: BullMQ on Redis when a Redis URL is given and the state store
 * is on that Redis too (so several instances share jobs), else the in-process scheduler.
 */
export async function openJobQueue(opts: { config: EngineConfig; redisUrl?: string; storeKind: string; log: Logger }): Promise<JobQueue> {
  const { jobs, namespace } = opts.config;
  if (!opts.redisUrl || jobs.queue.kind === 'memory') return new MemoryJobQueue(jobs.concurrency);
  if (opts.storeKind !== 'redis') {
    opts.log.warn('REDIS_URL is set but the state store is not on Redis: jobs stay in this process');
    return new MemoryJobQueue(jobs.concurrency);
  }
  const { BullJobQueue } = await import('./bullmq.js');
  return BullJobQueue.connect({
    redisUrl: opts.redisUrl,
    prefix: `${namespace}:q`,
    concurrency: jobs.concurrency,
    lanes: BUILTIN_LANES,
    workerConcurrency: jobs.queue.workerConcurrency,
    lockDurationMs: jobs.queue.lockDurationMs,
    stalledIntervalMs: jobs.queue.stalledIntervalMs,
    maxStalledCount: jobs.queue.maxStalledCount,
    cancelPollMs: jobs.queue.cancelPollMs,
    log: opts.log,
  });
}
