import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { createClient } from '@keyv/redis';
import type { Logger } from '../../../util/logger.js';
import { JobHandedBack, type JobQueue, type JobQueueHooks, type JobRunner, type LaneDepth, type QueuedJob } from './types.js';

export interface BullJobQueueOptions {
  redisUrl: string;
  /** Key prefix of every queue key, e.g. "cie:q" (keeps apps sharing one Redis apart). */
  prefix: string;
  /** Parallel jobs per lane over ALL instances (`default` for unlisted lanes). */
  concurrency: Record<string, number>;
  /** Lanes whose workers start at once (others start when a job for them is first seen). */
  lanes?: string[];
  /** Jobs one instance runs at once per lane; default: the lane's whole concurrency. */
  workerConcurrency?: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  cancelPollMs: number;
  log: Logger;
}

type RedisClient = ReturnType<typeof createClient>;
interface JobData {
  id: string;
  user: string;
  lane: string;
}

/** Times a job runner may throw (nobody here can run it) before the job is reported lost. */
const ATTEMPTS = 3;

/**
 * BullMQ on the state store's Redis: one queue per backend lane with a global concurrency, so a
 * lane's limit holds however many instances run; every instance runs a worker per lane. A job
 * carries only ids: the record lives in the state store. A worker that dies (crash, kill -9)
 * stops renewing its lock; another instance's stalled check puts the job back in line, and after
 * `maxStalledCount` such deaths the job is failed and reported through `onLost`.
 *
 * Turns between users: a job's priority is the number of jobs its user already has in flight, so
 * everybody's first job goes before anybody's second (BullMQ runs lower numbers first, FIFO within).
 */
export class BullJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly shared = true;
  private client!: RedisClient;
  private readonly queues = new Map<string, Promise<Queue>>();
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Map<string, AbortController>();
  private runner?: JobRunner;
  private hooks: JobQueueHooks = {};
  private stopping = false;
  private discoverTimer?: NodeJS.Timeout;

  private constructor(private readonly opts: BullJobQueueOptions) {}

  static async connect(opts: BullJobQueueOptions): Promise<BullJobQueue> {
    const q = new BullJobQueue(opts);
    q.client = createClient({ url: opts.redisUrl });
    q.client.on('error', (err: unknown) => opts.log.warn({ err }, 'job queue: Redis connection error'));
    await q.client.connect();
    return q;
  }

  async start(runner: JobRunner, hooks: JobQueueHooks = {}): Promise<void> {
    this.runner = runner;
    this.hooks = hooks;
    const known = await this.client.sMembers(this.key('lanes'));
    await Promise.all([...new Set([...(this.opts.lanes ?? []), ...Object.keys(this.opts.concurrency), ...known])].map((lane) => this.lane(lane)));
    // Lanes another instance opened (a backend chosen in settings) get a worker here too.
    this.discoverTimer = setInterval(() => {
      void this.client
        .sMembers(this.key('lanes'))
        .then((lanes) => Promise.all(lanes.map((l) => this.lane(l))))
        .catch((err: unknown) => this.opts.log.warn({ err }, 'job queue: lane discovery failed'));
    }, 5000);
    this.discoverTimer.unref?.();
  }

  async enqueue(job: QueuedJob): Promise<number | undefined> {
    const queue = await this.lane(job.lane);
    const userKey = this.key(`user:${job.user}`);
    // One round trip: count the user's jobs in flight (this one included) for the per-user limit and turns.
    const [, , inFlight] = (await this.client.multi().sAdd(userKey, job.id).expire(userKey, 86_400).sCard(userKey).exec()) as unknown as [number, number, number];
    await queue.add('edit', { id: job.id, user: job.user, lane: job.lane } satisfies JobData, {
      jobId: job.id,
      priority: Math.min(inFlight, 2_000_000),
      attempts: ATTEMPTS,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 86_400 },
    });
    return undefined;
  }

  async estimatePosition(lane: string): Promise<number | undefined> {
    const queue = await this.queueOf(lane);
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0);
    if (waiting === 0 && (c.active ?? 0) < this.limit(lane)) return undefined;
    return waiting + 1;
  }

  async cancel(job: QueuedJob): Promise<'queued' | 'running' | 'unknown'> {
    const local = this.running.get(job.id);
    if (local) {
      local.abort(new Error('cancelled'));
      return 'running';
    }
    const queue = await this.queueOf(job.lane);
    if ((await queue.remove(job.id)) === 1) {
      await this.client.sRem(this.key(`user:${job.user}`), job.id);
      return 'queued';
    }
    const state = await queue.getJobState(job.id);
    if (state === 'active') {
      // Running on another instance: it polls for this key and aborts.
      await this.client.set(this.key(`cancel:${job.id}`), '1', { EX: 3600 });
      return 'running';
    }
    return 'unknown';
  }

  async recentStarts(user: string, windowMs: number): Promise<number[]> {
    const key = this.key(`starts:${user}`);
    const [, members] = (await this.client.multi().zRemRangeByScore(key, 0, Date.now() - windowMs).zRange(key, 0, -1).exec()) as unknown as [number, string[]];
    return members.map((m) => Number(m.split(':')[0]));
  }

  async recordStart(user: string, windowMs: number): Promise<void> {
    const key = this.key(`starts:${user}`);
    const now = Date.now();
    await this.client.multi().zAdd(key, { score: now, value: `${now}:${Math.random().toString(36).slice(2, 8)}` }).pExpire(key, windowMs).exec();
  }

  async countForUser(user: string): Promise<number> {
    return this.client.sCard(this.key(`user:${user}`));
  }

  async depth(): Promise<LaneDepth[]> {
    const out: LaneDepth[] = [];
    for (const [lane, pending] of this.queues) {
      const c = await (await pending).getJobCounts('waiting', 'prioritized', 'active', 'delayed');
      out.push({ lane, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0), running: c.active ?? 0 });
    }
    return out;
  }

  get localRunning(): number {
    return this.running.size;
  }

  async idle(): Promise<void> {
    for (;;) {
      const depth = await this.depth();
      if (this.running.size === 0 && depth.every((d) => d.waiting === 0 && d.running === 0)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Takes no more jobs here; running ones go on. */
  async pause(): Promise<void> {
    this.stopping = true;
    if (this.discoverTimer) clearInterval(this.discoverTimer);
    await Promise.all([...this.workers.values()].map((w) => w.pause(true).catch(() => undefined)));
  }

  /** Takes no more jobs; resolves once this instance's running jobs are done. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.discoverTimer) clearInterval(this.discoverTimer);
    await Promise.all([...this.workers.values()].map((w) => w.close()));
  }

  /**
   * Hands this instance's unfinished jobs back (their runners stop without reporting; BullMQ's
   * stalled check gives them to another instance, or to this service after a restart) and closes.
   */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.discoverTimer) clearInterval(this.discoverTimer);
    for (const c of this.running.values()) c.abort(new JobHandedBack());
    await Promise.all([...this.workers.values()].map((w) => w.close(true).catch(() => undefined)));
    await Promise.all([...this.queues.values()].map(async (q) => (await q).close().catch(() => undefined)));
    await this.client.quit().catch(() => this.client.destroy());
  }

  /**
   * What a crash looks like from the outside (tests, benches): workers stop and locks lapse, but
   * the running jobs' code is not told anything and never completes its BullMQ job.
   */
  async abandon(): Promise<void> {
    this.stopping = true;
    this.runner = undefined;
    if (this.discoverTimer) clearInterval(this.discoverTimer);
    await Promise.all([...this.workers.values()].map((w) => w.close(true).catch(() => undefined)));
  }

  // ── lanes ────────────────────────────────────────────────────────────────

  private key(suffix: string): string {
    return `${this.opts.prefix}:${suffix}`;
  }

  private limit(lane: string): number {
    return this.opts.concurrency[lane] ?? this.opts.concurrency.default ?? 1;
  }

  /** Queue names allow no ":"; a lane name from user settings may contain anything. */
  private queueName(lane: string): string {
    return /^[A-Za-z0-9_-]{1,64}$/.test(lane) ? `lane-${lane}` : `lane-${createHash('sha256').update(lane).digest('hex').slice(0, 16)}`;
  }

  private queueOf(lane: string): Promise<Queue> {
    let pending = this.queues.get(lane);
    if (!pending) {
      pending = (async () => {
        const queue = new Queue(this.queueName(lane), { connection: this.client as never, prefix: this.opts.prefix });
        queue.on('error', (err: unknown) => this.opts.log.warn({ err, lane }, 'job queue error'));
        // Every instance sets the same value from the same config: the limit over all of them.
        await queue.setGlobalConcurrency(this.limit(lane));
        await this.client.sAdd(this.key('lanes'), lane);
        return queue;
      })();
      pending.catch(() => this.queues.delete(lane));
      this.queues.set(lane, pending);
    }
    return pending;
  }

  /** The lane's queue, with this instance's worker on it. */
  private async lane(lane: string): Promise<Queue> {
    const queue = await this.queueOf(lane);
    if (this.runner && !this.stopping && !this.workers.has(lane)) this.startWorker(lane);
    return queue;
  }

  private startWorker(lane: string): void {
    const worker = new Worker<JobData>(this.queueName(lane), (job, _token, signal) => this.process(job, signal), {
      connection: this.client as never,
      prefix: this.opts.prefix,
      concurrency: Math.min(this.opts.workerConcurrency ?? this.limit(lane), this.limit(lane)),
      lockDuration: this.opts.lockDurationMs,
      stalledInterval: this.opts.stalledIntervalMs,
      maxStalledCount: this.opts.maxStalledCount,
    });
    worker.on('error', (err: unknown) => this.opts.log.warn({ err, lane }, 'job queue worker error'));
    worker.on('stalled', (id: string) => this.opts.log.warn({ jobId: id, lane }, 'job lost its worker; back in line'));
    worker.on('failed', (job: Job<JobData> | undefined, err: Error) => {
      if (!job) return;
      const final = err?.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      void this.client.sRem(this.key(`user:${job.data.user}`), job.data.id).catch(() => undefined);
      void this.hooks.onLost?.(job.data.id, err?.message ?? 'failed')?.catch((e: unknown) => this.opts.log.error({ err: e, jobId: job.data.id }, 'could not report a lost job'));
    });
    this.workers.set(lane, worker);
  }

  private async process(job: Job<JobData>, bullSignal?: AbortSignal): Promise<void> {
    const runner = this.runner;
    if (!runner) throw new Error('job queue stopped');
    const { id, user } = job.data;
    if (job.stalledCounter > 0 || job.attemptsStarted > 1) this.hooks.onRetried?.(id);
    const controller = new AbortController();
    this.running.set(id, controller);
    const onBullAbort = () => controller.abort(bullSignal?.reason);
    bullSignal?.addEventListener('abort', onBullAbort, { once: true });
    const cancelKey = this.key(`cancel:${id}`);
    const poll = setInterval(() => {
      void this.client
        .get(cancelKey)
        .then((v) => v && controller.abort(new Error('cancelled')))
        .catch(() => undefined);
    }, this.opts.cancelPollMs);
    poll.unref?.();
    let finished = false;
    try {
      await runner(id, controller.signal);
      finished = !(controller.signal.reason instanceof JobHandedBack);
    } finally {
      clearInterval(poll);
      bullSignal?.removeEventListener('abort', onBullAbort);
      this.running.delete(id);
      if (finished) await Promise.all([this.client.sRem(this.key(`user:${user}`), id), this.client.del(cancelKey)]).catch(() => undefined);
    }
    if (!finished) throw new JobHandedBack();
  }
}
