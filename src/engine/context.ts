import type { EngineConfig } from '../config/schemas/engine.js';
import type { ImageLimits } from '../core/image-io.js';
import { untilAborted } from '../util/abort.js';
import type { Logger } from '../util/logger.js';
import type { Capabilities } from '../core/availability.js';
import type { Locale } from '../i18n/index.js';
import type { EngineDeps } from './deps.js';
import { plainNames, type LabelNames } from './present/describe.js';
import { currentLog } from './envelope.js';
import type { JobQueue } from './jobs/queue/index.js';
import type { BlobStore } from './state/blobs.js';
import { replyHash, type Inbox, type InboxEntry, type JournalStep } from './state/inbox.js';
import { Records } from './state/records.js';
import type { StateStore } from './state/store.js';
import type { ChatAdapter, MessageRef, Platform, Reply, ReplyContext, ThreadRef, UserRef } from './types.js';

const EVERYTHING: Capabilities = { parts: { state: 'ready', model: '', via: 'local' }, generator: true, inpaint: true };

/**
 * What every part of the engine shares: configuration, state, the pipeline behind it and the
 * platforms in front of it. Built once by the Engine; flows, actions and jobs receive it.
 */
export class EngineContext {
  /** Set at shutdown: no new jobs start. */
  closed = false;
  private readonly adapters = new Map<Platform, ChatAdapter>();
  readonly records: Records;
  /** Aborted at the shutdown deadline: every outside call still running is abandoned (see Outbox). */
  readonly stopping = new AbortController();
  /** Writes that must land before the store closes (journal entries of calls finished late). */
  readonly lateWrites = new Set<Promise<unknown>>();

  constructor(
    readonly config: EngineConfig,
    readonly store: StateStore,
    readonly blobs: BlobStore,
    readonly deps: EngineDeps,
    readonly limits: ImageLimits,
    readonly queue: JobQueue,
    readonly instanceId: string,
    private readonly baseLog: Logger,
  ) {
    this.records = new Records(store, config);
  }

  /** Logger of the event or job being handled (it carries the eventId / jobId). */
  get log(): Logger {
    return currentLog() ?? this.baseLog;
  }

  ms(seconds: number): number {
    return seconds * 1000;
  }

  /** What can run now; everything when the composition root gave no source (engines over fakes). */
  capabilities(): Capabilities {
    return this.deps.availability?.current() ?? EVERYTHING;
  }

  /** Part names in a language, from the command catalogue ("Upper-clothes" → "top" / "上衣"). */
  names(locale: Locale): LabelNames {
    const catalog = this.deps.catalog;
    if (!catalog?.displayLabel) return plainNames;
    return (label) => catalog.displayLabel!(label, locale);
  }

  /** Each bot attaches its one adapter; jobs and recovery answer through it. */
  attach(adapter: ChatAdapter): void {
    const before = this.adapters.get(adapter.platform);
    if (before && before !== adapter) this.baseLog.warn({ platform: adapter.platform }, 'a second adapter replaces the first for this platform');
    this.adapters.set(adapter.platform, adapter);
  }

  adapter(platform: Platform): ChatAdapter | undefined {
    return this.adapters.get(platform);
  }

  platforms(): ChatAdapter[] {
    return [...this.adapters.values()];
  }

  /** Where the engine answers an event: the platform's adapter with that event's reply context. */
  outbox(platform: Platform, reply?: ReplyContext, message?: MessageRef): Outbox {
    const adapter = this.adapters.get(platform);
    if (!adapter) throw new Error(`no ${platform} adapter attached to the engine`);
    return new Outbox(adapter, reply, message, this.stopping.signal);
  }

  /** A write that shutdown must let finish before the store closes. */
  track<T>(write: Promise<T>): Promise<T> {
    this.lateWrites.add(write);
    void write.finally(() => this.lateWrites.delete(write)).catch(() => undefined);
    return write;
  }
}

/** Why an outside call was abandoned: the shutdown deadline passed. The event stays in the inbox for the next start. */
export class EngineStopping extends Error {
  constructor() {
    super('shutting down: abandoned at the deadline');
    this.name = 'EngineStopping';
  }
}

/**
 * Replies for one event (or one job): the adapter bound to that event's reply context, and the one
 * public message the event answers in. A request lives in a single message that changes through its
 * lifecycle (acknowledgement → proposal → progress → result): `post` sends it the first time and
 * edits it afterwards. A click that acts on the message it sits on starts with `message` set. A
 * platform call still running at the shutdown deadline is abandoned (the caller gets
 * EngineStopping), so a slow platform never holds the process past `engine.shutdownMs`.
 */
export class Outbox {
  constructor(
    readonly adapter: ChatAdapter,
    readonly ctx?: ReplyContext,
    /** The message this event answers in, once there is one. */
    public message?: MessageRef,
    protected readonly stop?: AbortSignal,
  ) {}

  /** Shows `reply` in the event's message: posts it the first time, edits it afterwards. */
  async post(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    if (this.message) {
      await this.update(this.message, reply);
      return this.message;
    }
    this.message = await this.send(thread, reply);
    return this.message;
  }

  /** When this event's replies stop being deliverable (see ChatAdapter.replyDeadline). */
  deadline(): number | undefined {
    return this.adapter.replyDeadline?.(this.ctx);
  }

  /** Whether images cost a message of their own here (see ChatAdapter.imagesAsMessages). */
  get imagesAsMessages(): boolean {
    return Boolean(this.adapter.imagesAsMessages);
  }

  send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    return this.guard(this.adapter.send(thread, reply, this.ctx));
  }

  update(message: MessageRef, reply: Reply): Promise<void> {
    return this.guard(this.adapter.update(message, reply, this.ctx));
  }

  ephemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void> {
    return this.guard(this.adapter.sendEphemeral(thread, user, { ...reply, ephemeral: true }, this.ctx));
  }

  uploadLimit(thread: ThreadRef): number {
    return this.adapter.uploadLimit(thread, this.ctx);
  }

  /** The same adapter, context and message without an event's journal (jobs keep it after their event is done). */
  detached(): Outbox {
    return new Outbox(this.adapter, this.ctx, this.message, this.stop);
  }

  protected guard<T>(call: Promise<T>): Promise<T> {
    return this.stop ? untilAborted(call, this.stop) : call;
  }
}

/**
 * The outbox of an inbox entry: every reply is journaled in the entry once the platform confirms
 * it, so a later attempt (after a crash or a shutdown) skips what was sent, edits a sent message
 * whose content changed, and asks the adapter (`findSent`) about the one post that may have
 * reached the platform unconfirmed. Replies are numbered in the order the handling makes them.
 */
export class JournaledOutbox extends Outbox {
  private n = 0;
  private sealed = false;
  /** A resumed attempt looks for its first unconfirmed post on the platform before posting again. */
  private searching: boolean;

  constructor(
    adapter: ChatAdapter,
    ctx: ReplyContext | undefined,
    message: MessageRef | undefined,
    stop: AbortSignal,
    private readonly entry: InboxEntry,
    private readonly inbox: Inbox,
    private readonly owner: string,
    private readonly track: <T>(write: Promise<T>) => Promise<T>,
  ) {
    super(adapter, ctx, message, stop);
    this.searching = entry.attempts > 1;
  }

  /** The event is finished: later calls (a job's progress) go straight to the platform. */
  seal(): void {
    this.sealed = true;
  }

  private done(n: number): JournalStep | undefined {
    return this.entry.steps.find((s) => s.n === n);
  }

  /** Journals a confirmed reply; runs even when the caller stopped waiting (shutdown lets it land). */
  private confirm<T>(call: Promise<T>, step: (result: T) => JournalStep): Promise<T> {
    return this.track(
      call.then(async (result) => {
        const s = step(result);
        this.entry.steps = [...this.entry.steps.filter((x) => x.n !== s.n), s];
        await this.inbox.record(this.entry.id, this.owner, s);
        return result;
      }),
    );
  }

  override async send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    if (this.sealed) return super.send(thread, reply);
    const n = this.n++;
    const hash = replyHash(reply);
    const done = this.done(n);
    if (done?.ref) {
      if (done.hash !== hash) await this.guard(this.confirm(this.adapter.update(done.ref, reply, this.ctx), () => ({ ...done, hash })));
      return done.ref;
    }
    const key = `${this.entry.id}#${n}`;
    if (this.searching && this.adapter.findSent) {
      const found = await this.guard(this.adapter.findSent(thread, key, this.ctx));
      if (found) {
        await this.guard(this.confirm(Promise.resolve(found), (ref) => ({ n, kind: 'send', hash, ref })));
        return found;
      }
    }
    this.searching = false;
    return this.guard(this.confirm(this.adapter.send(thread, { ...reply, key }, this.ctx), (ref) => ({ n, kind: 'send', hash, ref })));
  }

  override async update(message: MessageRef, reply: Reply): Promise<void> {
    if (this.sealed) return super.update(message, reply);
    const n = this.n++;
    const hash = replyHash(reply);
    if (this.done(n)?.hash === hash) return;
    await this.guard(this.confirm(this.adapter.update(message, reply, this.ctx), () => ({ n, kind: 'update', hash })));
  }

  override async ephemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void> {
    if (this.sealed) return super.ephemeral(thread, user, reply);
    const n = this.n++;
    // Shown once: a one-user note cannot be looked up or edited, so a later attempt never repeats it.
    if (this.done(n)) return;
    const hash = replyHash(reply);
    await this.guard(this.confirm(this.adapter.sendEphemeral(thread, user, { ...reply, ephemeral: true, key: `${this.entry.id}#${n}` }, this.ctx), () => ({ n, kind: 'ephemeral', hash })));
  }

  override detached(): Outbox {
    return new Outbox(this.adapter, this.ctx, this.message, this.stop);
  }
}
