import type { EngineConfig } from '../config/schemas/engine.js';
import type { ImageLimits } from '../core/image-io.js';
import type { HealthStatus } from '../core/health.js';
import { registerQueueDepth } from '../util/metrics.js';
import { settleWithin } from '../util/abort.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { EventHandler } from './handling.js';
import { engineHealth } from './health.js';
import { botState, type BotState } from './state/bot-state.js';
import type { ActionServices } from './actions/registry.js';
import { EngineContext, EngineStopping } from './context.js';
import type { EngineDeps } from './deps.js';
import { inEventScope, inJobScope, markDuplicate } from './envelope.js';
import { outsideAttempt } from './state/ids.js';
import { Inbox } from './state/inbox.js';
import { Photos } from './flows/photos.js';
import { Proposals } from './flows/propose.js';
import { Recovery } from './jobs/recovery.js';
import { JobRunner } from './jobs/run.js';
import { JobStarter } from './jobs/start.js';
import type { JobQueue } from './jobs/queue/index.js';
import type { BlobStore } from './state/blobs.js';
import { newId } from './state/session.js';
import { type StateStore } from './state/store.js';
import { eventOf, type ChatAdapter, type Deliver, type Platform, type ThreadQuery, type ThreadRef, type UserRef } from './types.js';

export interface EngineOptions {
  config: EngineConfig;
  store: StateStore;
  blobs: BlobStore;
  deps: EngineDeps;
  imageLimits: ImageLimits;
  queue: JobQueue;
  logger: Logger;
  /** Releases what was opened for the engine (segmenter worker…), after the store closes. */
  onClose?: () => Promise<void>;
}

/** The engine no longer stores events (its store is closing): the bot must not acknowledge. */
export class NotAccepting extends Error {
  constructor() {
    super('the engine is shutting down and takes no more events');
    this.name = 'NotAccepting';
  }
}

/**
 * The conversation engine: one behaviour for every platform. Bots hand events to `accept`, which
 * stores them in the durable inbox before the bot acknowledges; the engine handles them and answers
 * through each platform's adapter. Decisions live in flows/ (messages, commands), actions/
 * (buttons) and jobs/ (queued edits); state lives in the store, so buttons survive restarts and an
 * event cut off by a crash or a shutdown is resumed at the next start, answered exactly once.
 */
export class Engine implements ThreadQuery {
  readonly ctx: EngineContext;
  readonly inbox: Inbox;
  private readonly services: ActionServices;
  private readonly recovery: Recovery;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly events: EventHandler;
  /** open: store and handle; holding: store for the next start (past the shutdown deadline); closed: refuse. */
  private accepting: 'open' | 'holding' | 'closed' = 'open';
  private readonly baseLog: Logger;
  private unregisterDepth?: () => void;
  private leaseTimer?: NodeJS.Timeout;
  private shuttingDown?: Promise<void>;
  /** When expired records were last swept from the store (SQLite). */
  private sweptAt = 0;

  constructor(private readonly opts: EngineOptions) {
    const instanceId = newId(9);
    this.baseLog = opts.logger.child({ module: 'engine', instance: instanceId });
    const ctx = new EngineContext(opts.config, opts.store, opts.blobs, opts.deps, opts.imageLimits, opts.queue, instanceId, this.baseLog);
    const photos = new Photos(ctx);
    const runner = new JobRunner(ctx, photos);
    this.recovery = new Recovery(ctx, runner);
    const proposals = new Proposals(ctx, photos);
    const starter = new JobStarter(ctx, runner, this.recovery);
    // A request that needs no click (a part edit while the parts model downloads) starts its job itself.
    proposals.useStarter(starter);
    this.services = { ctx, photos, runner, proposals, starter };
    this.ctx = ctx;
    this.inbox = new Inbox(opts.store, { dedupeMs: ctx.ms(opts.config.dedupeTtlSeconds), leaseMs: opts.config.inbox.leaseMs });
    this.events = new EventHandler(ctx, this.services, this.inbox, this.baseLog, (work) => this.background(work));
  }

  /** Inbox entries being handled here, by id. */
  private get handling(): Map<string, Promise<void>> {
    return this.events.handling;
  }

  get config(): EngineConfig {
    return this.ctx.config;
  }

  /** Starts taking jobs and keeping leases (createEngine calls it). */
  async start(): Promise<void> {
    const { runner } = this.services;
    const jobLog = (id: string) => this.baseLog.child({ jobId: id });
    // A job runs on its own, not as part of the event that queued it (ids, claims, journal).
    await this.ctx.queue.start((id, signal) => outsideAttempt(() => inJobScope(jobLog(id), () => runner.runQueued(id, signal))), {
      onLost: (id, reason) => outsideAttempt(() => inJobScope(jobLog(id), () => runner.lost(id, reason))),
      onRetried: (id) => this.baseLog.warn({ jobId: id }, 'job retried after its worker died'),
    });
    this.unregisterDepth = registerQueueDepth(() => this.ctx.queue.depth());
    const every = Math.max(100, Math.floor(this.config.inbox.leaseMs / 3));
    this.leaseTimer = setInterval(() => void this.tick().catch((err: unknown) => this.baseLog.warn({ err: errorMessage(err) }, 'inbox upkeep failed')), every);
    this.leaseTimer.unref?.();
  }

  /** A bot's adapter: the engine answers that platform's events and jobs through it. */
  attach(adapter: ChatAdapter): void {
    this.ctx.attach(adapter);
  }

  /**
   * Once a platform's bot can send: resumes the events a previous process (or a dead instance) left
   * in the inbox for it, and resumes or reports the jobs it left.
   */
  recover(platform: Platform): Promise<void> {
    // A single-process store (SQLite, memory): whoever held an entry before this start is gone.
    const any = this.ctx.store.kind !== 'redis';
    return Promise.all([this.recovery.onAttach(platform), this.resume((p) => p === platform, any)]).then(() => undefined);
  }

  /** The bots' way in (see `Deliver`): resolves once the event is stored; handling goes on here. */
  readonly accept: Deliver = async (event, reply) => {
    if (this.accepting === 'closed') throw new NotAccepting();
    const entry = await this.inbox.accept(event, reply, this.ctx.instanceId);
    if (!entry) {
      const ev = eventOf(event);
      await inEventScope(this.baseLog.child({ eventId: ev.eventId, platform: ev.platform, kind: event.kind }), { platform: ev.platform, kind: event.kind }, async () => markDuplicate());
      return;
    }
    // Past the shutdown deadline: kept for the next start (or another instance), not handled now.
    if (this.accepting !== 'open') await this.inbox.release([entry.id], this.ctx.instanceId);
    else void this.events.process(entry);
  };

  /** `accept`, then waits until the event has been handled (tests and in-process callers). */
  readonly deliver: Deliver = async (event, reply) => {
    await this.accept(event, reply);
    await this.handling.get(Inbox.idOf(event));
  };

  /** Work a bot does for an event after acknowledging it: tracked so shutdown waits for it. */
  background<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => undefined);
    return work;
  }

  async isActive(thread: ThreadRef, user?: UserRef): Promise<boolean> {
    const session = await this.ctx.records.session(thread);
    return Boolean(session) && (!user || this.ctx.records.mayAct(session, user.id));
  }

  /** Inbox upkeep: keeps the leases of the events handled here; on a shared store, takes over those of dead instances. */
  private async tick(): Promise<void> {
    if (this.accepting !== 'open' || this.ctx.store.isClosed) return;
    if (this.handling.size) await this.inbox.renew([...this.handling.keys()], this.ctx.instanceId);
    if (this.ctx.store.kind === 'redis') await this.resume((p) => this.ctx.adapter(p) !== undefined, false);
    if (Date.now() - this.sweptAt > 3600_000) {
      this.sweptAt = Date.now();
      await this.ctx.store.sweepExpired();
    }
  }

  private async resume(platform: (p: Platform) => boolean, any: boolean): Promise<void> {
    if (this.accepting !== 'open') return;
    const entries = await this.inbox.takeOver(this.ctx.instanceId, { any, platform }).catch((err: unknown) => {
      this.baseLog.error({ err: errorMessage(err) }, 'could not read the inbox');
      return [];
    });
    if (entries.length) this.baseLog.warn({ count: entries.length }, 'resuming events left unfinished by an earlier process');
    for (const entry of entries) void this.events.process(entry);
  }

  /** Resolves when no event is being handled and no job is waiting or running (tests, shutdown). */
  async idle(): Promise<void> {
    do {
      await Promise.allSettled([...this.inflight]);
      await this.recovery.settled();
      await this.ctx.queue.idle();
    } while (this.inflight.size > 0);
  }

  /** Stops starting jobs (buttons then say the bot is restarting) and waits up to `timeoutMs` for this instance's work. */
  async drain(timeoutMs = this.config.shutdownMs): Promise<void> {
    this.ctx.closed = true;
    await this.ctx.queue.pause();
    const local = (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      await this.ctx.queue.stop();
    })();
    await settleWithin(local, AbortSignal.timeout(timeoutMs));
  }

  /**
   * Shutdown in a fixed order, done by `deadline` (ms since the epoch) plus what closing takes:
   * 1. (the app stopped accepting: /readyz 503, webhooks 503) 2. no new jobs start; 3. running
   * events and jobs get until the deadline, then every outside call still running is abandoned,
   * unfinished jobs are handed back (BullMQ) or kept for resume (in-process), unfinished events stay
   * in the inbox; 4. replies confirmed meanwhile are journaled; 5. the store closes, last.
   */
  shutdown(deadline = Date.now() + this.config.shutdownMs): Promise<void> {
    this.shuttingDown ??= (async () => {
      const log = this.baseLog;
      const { queue, store } = this.ctx;
      // What steps 4 and 5 need after the deadline (they are bounded too).
      const flushMs = Math.min(2000, Math.max(200, Math.round(this.config.shutdownMs / 10)));
      await this.drain(Math.max(0, deadline - Date.now()));
      const unfinished = queue.localRunning;
      const pending = this.handling.size;
      if (pending || unfinished) log.warn({ events: pending, jobs: unfinished }, 'shutdown deadline: abandoning outside calls; unfinished work is kept for the next start');
      this.accepting = 'holding';
      this.ctx.stopping.abort(new EngineStopping());
      await settleWithin(queue.close(), AbortSignal.timeout(flushMs)).catch(() => undefined);
      // Let abandoned work unwind and late confirmations reach the journal.
      await settleWithin(Promise.allSettled([...this.inflight, ...this.ctx.lateWrites]), AbortSignal.timeout(flushMs));
      this.accepting = 'closed';
      if (this.leaseTimer) clearInterval(this.leaseTimer);
      this.unregisterDepth?.();
      await settleWithin(this.inbox.release([...this.handling.keys()], this.ctx.instanceId), AbortSignal.timeout(flushMs));
      await settleWithin(this.recovery.stop(unfinished > 0 && !queue.shared), AbortSignal.timeout(flushMs));
      await settleWithin(Promise.allSettled([...this.ctx.lateWrites]), AbortSignal.timeout(flushMs));
      await store.close(flushMs);
      await settleWithin(this.opts.onClose?.() ?? Promise.resolve(), AbortSignal.timeout(flushMs));
    })();
    return this.shuttingDown;
  }

  /** Shutdown with `timeoutMs` for running work (tests; the app calls `shutdown`). */
  close(timeoutMs = this.config.shutdownMs): Promise<void> {
    return this.shutdown(Date.now() + timeoutMs);
  }

  /** A durable key-value corner of the state store for a bot (see BotState). */
  botState(platform: Platform): BotState {
    return botState(this.ctx, platform);
  }

  /** The state store and every dependency, for /readyz and `doctor`. */
  health(): Promise<HealthStatus[]> {
    return engineHealth(this.ctx);
  }
}

export type { BotState } from './state/bot-state.js';
