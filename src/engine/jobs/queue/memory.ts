import { FairScheduler } from './scheduler.js';
import { JobHandedBack, type JobQueue, type JobQueueHooks, type JobRunner, type LaneDepth, type QueuedJob } from './types.js';

/** The in-process queue: FairScheduler lanes (turns between users, per-lane concurrency). */
export class MemoryJobQueue implements JobQueue {
  readonly kind = 'memory' as const;
  readonly shared = false;
  private readonly scheduler: FairScheduler;
  private runner?: JobRunner;
  private readonly lanes = new Map<string, string>();

  constructor(concurrency: Record<string, number>) {
    this.scheduler = new FairScheduler(concurrency);
  }

  async start(runner: JobRunner, _hooks?: JobQueueHooks): Promise<void> {
    this.runner = runner;
  }

  async enqueue(job: QueuedJob, onPosition?: (position: number) => void): Promise<number | undefined> {
    const runner = this.runner;
    if (!runner) throw new Error('job queue not started');
    this.lanes.set(job.id, job.lane);
    this.scheduler.enqueue({
      id: job.id,
      user: job.user,
      lane: job.lane,
      run: async (signal) => {
        try {
          await runner(job.id, signal);
        } finally {
          this.lanes.delete(job.id);
        }
      },
      onPosition,
    });
    return this.scheduler.position(job.id);
  }

  async estimatePosition(): Promise<number | undefined> {
    return undefined;
  }

  async cancel(job: QueuedJob): Promise<'queued' | 'running' | 'unknown'> {
    const where = this.scheduler.cancel(job.id);
    if (where === 'queued') this.lanes.delete(job.id);
    return where;
  }

  async countForUser(user: string): Promise<number> {
    return this.scheduler.countForUser(user);
  }

  async depth(): Promise<LaneDepth[]> {
    const by = new Map<string, LaneDepth>();
    for (const [id, lane] of this.lanes) {
      const d = by.get(lane) ?? { lane, waiting: 0, running: 0 };
      if (this.scheduler.isRunning(id)) d.running++;
      else d.waiting++;
      by.set(lane, d);
    }
    return [...by.values()];
  }

  get localRunning(): number {
    return this.scheduler.runningCount;
  }

  get size(): number {
    return this.scheduler.size;
  }

  idle(): Promise<void> {
    return this.scheduler.onIdle();
  }

  async pause(): Promise<void> {
    this.scheduler.pause();
  }

  /** Waits for the running jobs (waiting ones stay in the store for the next start once paused). */
  stop(): Promise<void> {
    return this.scheduler.onRunningDone();
  }

  async close(): Promise<void> {
    // Unfinished jobs stay listed under this instance in the store: the next start resumes them.
    this.scheduler.pause();
    this.scheduler.abortRunning(new JobHandedBack());
  }
}
