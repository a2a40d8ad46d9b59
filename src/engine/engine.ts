import type { EngineConfig } from '../config/schemas/engine.js';
import { resolveLocale } from '../i18n/index.js';
import type { ImageLimits } from '../core/image-io.js';
import type { HealthStatus } from '../core/health.js';
import { registerQueueDepth } from '../util/metrics.js';
import { settleWithin } from '../util/abort.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { onAction, type ActionServices } from './actions/registry.js';
import { EngineContext, type Outbox } from './context.js';
import type { EngineDeps } from './deps.js';
import { errorReply, inEventScope, inJobScope, markDuplicate } from './envelope.js';
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
import type { StateStore } from './state/store.js';
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

/**
 * The conversation engine: one behaviour for every platform. Bots deliver neutral events; the
 * engine answers through each platform's adapter. Decisions live in flows/ (messages, commands),
 * actions/ (buttons) and jobs/ (queued edits); state lives in the store, so buttons survive restarts.
 */
export class Engine implements ThreadQuery {
  readonly ctx: EngineContext;
  private readonly services: ActionServices;
  private readonly recovery: Recovery;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly baseLog: Logger;
  private unregisterDepth?: () => void;

  constructor(private readonly opts: EngineOptions) {
    const instanceId = newId(9);
    this.baseLog = opts.logger.child({ module: 'engine', instance: instanceId });
    const ctx = new EngineContext(opts.config, opts.store, opts.blobs, opts.deps, opts.imageLimits, opts.queue, instanceId, this.baseLog);
    const photos = new Photos(ctx);
    const runner = new JobRunner(ctx, photos);
    this.recovery = new Recovery(ctx, runner);
    this.services = { ctx, photos, runner, proposals: new Proposals(ctx, photos), starter: new JobStarter(ctx, runner, this.recovery) };
    this.ctx = ctx;
  }

  get config(): EngineConfig {
    return this.ctx.config;
  }

  get jobQueue(): JobQueue {
    return this.ctx.queue;
  }

  /** Starts taking jobs (createEngine calls it). */
  async start(): Promise<void> {
    const { runner } = this.services;
    const jobLog = (id: string) => this.baseLog.child({ jobId: id });
    await this.ctx.queue.start((id, signal) => inJobScope(jobLog(id), () => runner.runQueued(id, signal)), {
      onLost: (id, reason) => inJobScope(jobLog(id), () => runner.lost(id, reason)),
      onRetried: (id) => this.baseLog.warn({ jobId: id }, 'job retried after its worker died'),
    });
    this.unregisterDepth = registerQueueDepth(() => this.ctx.queue.depth());
  }

  /** A bot's adapter: the engine answers that platform's events and jobs through it. */
  attach(adapter: ChatAdapter): void {
    this.ctx.attach(adapter);
  }

  /** Reports jobs a previous process left unfinished on a platform (once its bot can send). */
  recover(platform: Platform): Promise<void> {
    return this.recovery.onAttach(platform);
  }

  /** The one way in (see `Deliver`). */
  readonly deliver: Deliver = (event, reply) => {
    const ev = eventOf(event);
    const log = this.baseLog.child({ eventId: ev.eventId, platform: ev.platform, kind: event.kind });
    return this.background(inEventScope(log, { platform: ev.platform, kind: event.kind }, () => this.handle(event, reply)));
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

  private async handle(event: InboundEvent, reply: ReplyContext | undefined): Promise<void> {
    const ev = eventOf(event);
    const out = this.ctx.outbox(ev.platform, reply);
    // The thread's records are read alongside the dedupe claim: the first answer is the latency users notice.
    const thread = event.kind === 'action' ? undefined : this.readThread(ev);
    thread?.catch(() => undefined);
    // First delivery of a platform event wins; re-deliveries (retries after a slow ack) are dropped
    // untouched (their reply context is the first delivery's).
    const first = await this.ctx.store.claim(keys.event(ev.platform, ev.eventId), this.ctx.ms(this.ctx.config.dedupeTtlSeconds)).catch(async (err: unknown) => {
      await this.answerFailure(err, ev, out, event.kind === 'action');
      return false;
    });
    if (!first) return markDuplicate();
    try {
      if (event.kind === 'message') await onMessage(this.ctx, this.services, event.message, out, await thread!);
      else if (event.kind === 'command') await onCommand(this.ctx, this.services, event.command, out, await thread!);
      else await onAction(this.services, event.action, out);
    } catch (err) {
      await this.answerFailure(err, ev, out, event.kind === 'action');
    } finally {
      if (reply) await out.adapter.settle?.(reply)?.catch((err: unknown) => this.ctx.log.warn({ err: errorMessage(err) }, 'adapter could not settle the event'));
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
      this.ctx.log.error({ err: sendErr }, 'could not deliver an error reply');
    }
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
  async drain(timeoutMs = 20_000): Promise<void> {
    this.ctx.closed = true;
    const local = (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      await this.ctx.queue.stop();
    })();
    await settleWithin(local, AbortSignal.timeout(timeoutMs));
  }

  /**
   * Stops taking work, waits (bounded) for running jobs, closes the store. Jobs still running
   * stay "running" in the store, so the next start reports them with a Retry button.
   */
  async close(timeoutMs = 20_000): Promise<void> {
    await this.drain(timeoutMs);
    const { queue, store } = this.ctx;
    const unfinished = queue.localRunning;
    // A shared queue hands unfinished jobs back to the other instances; the in-process one leaves them for the restart report.
    await queue.close().catch((err) => this.baseLog.warn({ err }, 'job queue did not close cleanly'));
    this.unregisterDepth?.();
    await this.recovery.stop(unfinished > 0 && !queue.shared);
    await store.close();
    await this.opts.onClose?.();
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
