import { z } from 'zod';

const seconds = z.number().int().positive();

/** Conversation engine: state lifetimes, who may press buttons, job queue limits. */
export const EngineSchema = z
  .strictObject({
    /** Key prefix of every engine record in the state store (lets several apps share one Redis). */
    namespace: z.string().regex(/^[a-z0-9_-]+$/i, 'letters, digits, "_" or "-"').default('cie'),
    /** What happens when the persistent store cannot be opened at start: stop with a clear error, or run on memory with a loud warning. */
    storeUnavailable: z.enum(['fail', 'memory']).default('memory'),
    /** How long a platform event id is remembered to drop re-deliveries. */
    dedupeTtlSeconds: seconds.default(86_400),
    /** How long buttons keep working. */
    actionTtlSeconds: seconds.default(7 * 86_400),
    /** How long an idle thread session is kept. */
    sessionTtlSeconds: seconds.default(30 * 86_400),
    /** Who may press a thread's buttons: only the person who started it, or anyone in the channel. */
    actionPolicy: z.enum(['owner', 'channel']).default('owner'),
    /** Planner conversation turns kept per thread (user + assistant count as two). */
    historyTurns: z.number().int().min(0).max(100).default(12),
    /** Revisions kept per thread for undo/redo. */
    maxRevisions: z.number().int().min(2).max(500).default(30),
    /** Most commands shown as individual buttons (the rest stay in the multi-select). */
    maxCommandButtons: z.number().int().min(0).max(10).default(10),
    /** Default locale of a thread when neither the platform nor the text tells. */
    defaultLocale: z.enum(['en', 'zh-CN']).default('en'),
    /**
     * SIGTERM: how long running work may take before outside calls are abandoned; the process
     * exits (0) within this plus 5 s, however slow the platforms are.
     */
    shutdownMs: z.number().int().min(100).max(600_000).default(20_000),
    /** The durable inbox: every inbound event is stored before it is acknowledged and kept until answered. */
    inbox: z
      .strictObject({
        /**
         * An unfinished event older than this at start is not handled any more: its user is told
         * the bot restarted and asked to send it again (where the platform still allows a reply).
         */
        maxAgeSeconds: seconds.default(3600),
        /** An instance renews its hold on the events it handles; one that stops for this long (crash) loses them to another instance. */
        leaseMs: z.number().int().min(200).default(30_000),
      })
      .prefault({}),
    jobs: z
      .strictObject({
        /** A job running longer than this is stopped and reported with a Retry button. */
        timeoutSeconds: seconds.default(300),
        /** Parallel jobs per backend lane; `default` applies to lanes not listed. */
        concurrency: z.record(z.string(), z.number().int().positive()).default({ default: 1, local: 2 }),
        /** Jobs one user may start per minute. */
        perUserPerMinute: z.number().int().positive().default(10),
        /** Jobs one user may have waiting or running at once. */
        maxQueuedPerUser: z.number().int().positive().default(5),
        /** Least time between two progress edits of the same message (platform rate limits). */
        progressIntervalMs: z.number().int().min(0).default(1500),
        /**
         * The shared job queue (BullMQ on the same Redis) used when REDIS_URL is set: several
         * instances share jobs; `concurrency` then holds across all of them.
         */
        queue: z
          .strictObject({
            /** auto: BullMQ when REDIS_URL is set and the state store is Redis; memory: always in-process. */
            kind: z.enum(['auto', 'memory']).default('auto'),
            /** Jobs one instance runs at once per lane (default: the lane's whole concurrency). */
            workerConcurrency: z.number().int().positive().optional(),
            /** A worker that stops renewing its lock this long (crash, frozen process) loses the job to another instance. */
            lockDurationMs: z.number().int().min(200).default(30_000),
            /** How often workers look for jobs whose worker died. */
            stalledIntervalMs: z.number().int().min(100).default(15_000),
            /** Times a job is moved back to the queue after its worker died before it is reported failed. */
            maxStalledCount: z.number().int().min(0).default(2),
            /** How often a running job checks whether someone on another instance pressed Cancel. */
            cancelPollMs: z.number().int().min(50).default(1000),
          })
          .prefault({}),
      })
      .prefault({}),
  });
export type EngineConfig = z.infer<typeof EngineSchema>;
