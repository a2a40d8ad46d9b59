import type { EngineConfig } from '../config/schemas/engine.js';
import { resolveLocale } from '../i18n/index.js';
import type { ImageLimits } from '../core/image-io.js';
import type { HealthStatus } from '../core/health.js';
import { registerQueueDepth } from '../util/metrics.js';
import { settleWithin } from '../util/abort.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { onAction, type ActionServices } from './actions/registry.js';
import { EngineContext, EngineStopping, JournaledOutbox, type Outbox } from './context.js';
import type { EngineDeps } from './deps.js';
import { errorReply, inEventScope, inJobScope, markDuplicate } from './envelope.js';
import { say } from './present/replies.js';
import { inAttempt, outsideAttempt } from './state/ids.js';
import { Inbox, LeaseLost, type InboxEntry } from './state/inbox.js';
import { onCommand } from './flows/commands.js';
import { onMessage, type ThreadState } from './flows/intake.js';
import { Photos } from './flows/photos.js';
import { Proposals } from './flows/propose.js';
import { Recovery } from './jobs/recovery.js';
import { JobRunner } from './jobs/run.js';
import { JobStarter } from './jobs/start.js';
import type { JobQueue } from './jobs/queue/index.js';
import type { BlobStore } from './state/blobs.js';
import { keys } from './state/keys.js';
import { newId } from './state/session.js';
import { StoreClosed, type StateStore } from './state/store.js';
import { eventOf, type ChatAdapter, type Deliver, type InboundEvent, type Platform, type ReplyContext, type ThreadQuery, type ThreadRef, type UserRef } from './types.js';

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
  /** Inbox entries being handled here, by id. */
  private readonly handling = new Map<string, Promise<void>>();
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
  }

  get config(): EngineConfig {
    return this.ctx.config;
  }

  get jobQueue(): JobQueue {
    return this.ctx.queue;
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
    else void this.process(entry);
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

  /** Handles one inbox entry (a new event, or one resumed after a restart). */
  private process(entry: InboxEntry): Promise<void> {
    const event = entry.event!;
    const ev = eventOf(event);
    const log = this.baseLog.child({ eventId: ev.eventId, platform: ev.platform, kind: event.kind, ...(entry.attempts > 1 ? { attempt: entry.attempts } : {}) });
    const work = inEventScope(log, { platform: ev.platform, kind: event.kind }, () => inAttempt(entry.id, entry.seed!, () => this.handle(entry)));
    this.handling.set(entry.id, work);
    void this.background(work)
      .catch((err: unknown) => log.error({ err }, 'event handling failed'))
      .finally(() => this.handling.delete(entry.id));
    return work;
  }

  private async handle(entry: InboxEntry): Promise<void> {
    const event = entry.event!;
    const ev = eventOf(event);
    const adapter = this.ctx.adapter(ev.platform);
    if (!adapter) throw new Error(`no ${ev.platform} adapter attached to the engine`);
    const out = new JournaledOutbox(adapter, entry.reply, undefined, this.ctx.stopping.signal, entry, this.inbox, this.ctx.instanceId, (w) => this.ctx.track(w));
    // The thread's records are read while the outbox is set up: the first answer is the latency users notice.
    const thread = event.kind === 'action' ? undefined : this.readThread(ev);
    thread?.catch(() => undefined);
    let finished = true;
    try {
      if (entry.attempts > 1 && Date.now() - entry.receivedAt > this.ctx.ms(this.config.inbox.maxAgeSeconds)) await this.answerStale(entry, out);
      else if (event.kind === 'message') await onMessage(this.ctx, this.services, event.message, out, await thread!);
      else if (event.kind === 'command') await onCommand(this.ctx, this.services, event.command, out, await thread!);
      else await onAction(this.services, event.action, out);
    } catch (err) {
      if (this.cutOff(err)) finished = false;
      else {
        try {
          await this.answerFailure(err, ev, out, event.kind === 'action');
        } catch (answerErr) {
          if (this.cutOff(answerErr)) finished = false;
          else throw answerErr;
        }
      }
    }
    if (!finished) {
      // Stays in the inbox; the next start (or another instance) handles it again.
      this.ctx.log.info({ attempt: entry.attempts }, 'event left unfinished for the next start');
      return;
    }
    out.seal();
    if (entry.reply) await out.adapter.settle?.(entry.reply)?.catch((err: unknown) => this.ctx.log.warn({ err: errorMessage(err) }, 'adapter could not settle the event'));
    await this.inbox.complete(entry.id);
  }

  /** The work was cut off by shutdown (or another instance took the event over): not a failure to report. */
  private cutOff(err: unknown): boolean {
    return err instanceof EngineStopping || err instanceof StoreClosed || err instanceof LeaseLost || (this.ctx.stopping.signal.aborted && err === this.ctx.stopping.signal.reason);
  }

  /** An event that waited too long in the inbox (the bot was down): its user is asked to send it again. */
  private async answerStale(entry: InboxEntry, out: Outbox): Promise<void> {
    const ev = eventOf(entry.event!);
    const session = await this.ctx.records.session(ev.thread).catch(() => undefined);
    const fallback = session?.locale ?? this.config.defaultLocale;
    const reply = say(ev.locale ? resolveLocale(ev.locale, fallback) : fallback, 'engine.restarted_resend', {}, 'error');
    this.ctx.log.warn({ ageSeconds: Math.round((Date.now() - entry.receivedAt) / 1000) }, 'event too old to handle after a restart: asking the user to send it again');
    try {
      if (entry.event!.kind === 'action') await out.ephemeral(ev.thread, ev.user, reply);
      else await out.send(ev.thread, reply);
    } catch (err) {
      if (this.cutOff(err)) throw err;
      // The platform no longer takes a reply to it (an expired interaction token): said in the logs, never silently.
      this.ctx.log.warn({ err: errorMessage(err) }, 'could not tell the user to send an event again; dropping it');
    }
  }

  private async readThread(ev: ReturnType<typeof eventOf>): Promise<ThreadState> {
    const [session, settings] = await Promise.all([this.ctx.records.session(ev.thread), this.ctx.records.settings(ev.thread, ev.user.id)]);
    return { session, settings };
  }

  /** Every failure ends in a message the user can read, never in silence. */
  private async answerFailure(err: unknown, ev: ReturnType<typeof eventOf>, out: Outbox, privately: boolean): Promise<void> {
    const session = await this.ctx.records.session(ev.thread).catch(() => undefined);
    const fallback = session?.locale ?? this.ctx.config.defaultLocale;
    const reply = errorReply(err, ev.locale ? resolveLocale(ev.locale, fallback) : fallback, this.ctx.log);
    try {
      if (privately) await out.ephemeral(ev.thread, ev.user, reply);
      else await out.send(ev.thread, reply);
    } catch (sendErr) {
      if (this.cutOff(sendErr)) throw sendErr;
      this.ctx.log.error({ err: sendErr }, 'could not deliver an error reply');
    }
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
    for (const entry of entries) void this.process(entry);
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

  /**
   * A durable key-value corner of the state store for a bot (the playground keeps its threads
   * there). Writes are tracked, so shutdown lets them land before the store closes.
   */
  botState(platform: Platform): BotState {
    const prefix = `bot:${platform}:`;
    const { store } = this.ctx;
    return {
      get: <T>(key: string) => store.get<T>(prefix + key),
      set: (key, value, ttlMs) => this.ctx.track(store.set(prefix + key, value, ttlMs)),
      update: <T>(key: string, fn: (cur: T | undefined) => T | undefined, ttlMs?: number) => this.ctx.track(store.update<T>(prefix + key, fn, ttlMs)),
      delete: (key) => this.ctx.track(store.delete(prefix + key)),
      blobs: this.ctx.blobs,
    };
  }

  /** The state store and every dependency, for /readyz and `doctor`. Optional features never report "down". */
  async health(): Promise<HealthStatus[]> {
    const { store, deps } = this.ctx;
    const started = Date.now();
    const name = `engine:store:${store.kind}`;
    const storeCheck: HealthStatus = await store
      .set(keys.probe, started, 60_000)
      .then(() => ({ name, state: 'ok' as const, detail: `state store (${store.kind}) answers`, latencyMs: Date.now() - started }))
      .catch((err: unknown) => ({ name, state: 'down' as const, detail: `state store does not answer: ${errorMessage(err)}` }));
    const parts = { segmentation: deps.segmentation, planner: deps.planner, suggester: deps.suggester, executor: deps.executor };
    const checks = await Promise.all(
      Object.entries(parts).map(async ([part, dep]): Promise<HealthStatus | undefined> => {
        if (!dep?.health) return undefined;
        try {
          const h = await dep.health(AbortSignal.timeout(2500));
          // The engine degrades instead of failing: whole-photo and local edits go on without these.
          return h.state === 'down' ? { ...h, state: 'degraded' } : h;
        } catch (err) {
          return { name: `engine:${part}`, state: 'degraded', detail: errorMessage(err) };
        }
      }),
    );
    return [storeCheck, ...checks.filter((c): c is HealthStatus => c !== undefined)];
  }
}

/** What `Engine.botState` hands a bot. */
export interface BotState {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  update<T>(key: string, fn: (cur: T | undefined) => T | undefined, ttlMs?: number): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  blobs: BlobStore;
}
