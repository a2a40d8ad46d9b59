/** What a queue needs to know about a job; the job itself lives in the state store under its id. */
export interface QueuedJob {
  id: string;
  user: string;
  /** Backend lane: concurrency is limited per lane. */
  lane: string;
}

/** Runs one job to its end (result or failure reported to the user); throws only when it cannot run here. */
export type JobRunner = (id: string, signal: AbortSignal) => Promise<void>;

export interface JobQueueHooks {
  /** A job the queue gave up on (its worker died too often, or nobody here could run it): report it. */
  onLost?(id: string, reason: string): Promise<void>;
  /** A job is running again after its worker died (metrics, logs). */
  onRetried?(id: string): void;
}

export interface LaneDepth {
  lane: string;
  waiting: number;
  running: number;
}

/**
 * The engine's job queue. Two implementations: the in-process FairScheduler (one machine, the
 * default) and BullMQ on Redis (several instances share jobs; a job outlives its instance).
 */
export interface JobQueue {
  readonly kind: 'memory' | 'bullmq';
  /**
   * Jobs are held outside this process: any instance may run them and a dead instance's job is
   * retried elsewhere, so the engine need not report them itself after a crash.
   */
  readonly shared: boolean;
  start(runner: JobRunner, hooks?: JobQueueHooks): Promise<void>;
  /** Queues a job; returns its 1-based place in line, undefined when it starts (about) now. */
  enqueue(job: QueuedJob, onPosition?: (position: number) => void): Promise<number | undefined>;
  /** The place a job would get if queued now (shared queues show it before enqueueing). */
  estimatePosition(lane: string): Promise<number | undefined>;
  /** Stops a job: a waiting one is removed, a running one (here or on another instance) is aborted. */
  cancel(job: QueuedJob): Promise<'queued' | 'running' | 'unknown'>;
  /** Jobs of `user` waiting or running (over every instance for a shared queue). */
  countForUser(user: string): Promise<number>;
  depth(): Promise<LaneDepth[]>;
  /**
   * Optional (shared queues): when `user` started jobs within the last `windowMs`, over every
   * instance, oldest first; without it the engine counts this process's starts.
   */
  recentStarts?(user: string, windowMs: number): Promise<number[]>;
  recordStart?(user: string, windowMs: number): Promise<void>;
  /** Jobs running in this process. */
  readonly localRunning: number;
  /** Resolves once nothing is waiting or running (anywhere, for a shared queue). */
  idle(): Promise<void>;
  /** Shutdown step 2: starts no more jobs here (waiting ones stay queued); running ones go on. */
  pause(): Promise<void>;
  /** Stops taking jobs and waits for this process's running ones. */
  stop(): Promise<void>;
  /**
   * Gives up this process's running jobs without finishing them (their runners are aborted with
   * JobHandedBack): a shared queue retries them elsewhere, the in-process one leaves them in the
   * store, where the next start resumes them. Closes connections.
   */
  close(): Promise<void>;
}

/** Abort reason for a job this process hands back to the queue at shutdown: not a cancellation. */
export class JobHandedBack extends Error {
  constructor() {
    super('handed back to the queue');
    this.name = 'JobHandedBack';
  }
}
