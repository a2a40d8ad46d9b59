import type { EngineConfig } from '../config/schemas/engine.js';
import type { ImageLimits } from '../core/image-io.js';
import type { Logger } from '../util/logger.js';
import type { EngineDeps } from './deps.js';
import { currentLog } from './envelope.js';
import type { JobQueue } from './jobs/queue/index.js';
import type { BlobStore } from './state/blobs.js';
import { Records } from './state/records.js';
import type { StateStore } from './state/store.js';
import type { ChatAdapter, MessageRef, Platform, Reply, ReplyContext, ThreadRef, UserRef } from './types.js';

/**
 * What every part of the engine shares: configuration, state, the pipeline behind it and the
 * platforms in front of it. Built once by the Engine; flows, actions and jobs receive it.
 */
export class EngineContext {
  /** Set at shutdown: no new jobs start. */
  closed = false;
  private readonly adapters = new Map<Platform, ChatAdapter>();
  readonly records: Records;

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
    return new Outbox(adapter, reply, message);
  }
}

/**
 * Replies for one event (or one job): the adapter bound to that event's reply context, and the one
 * public message the event answers in. A request lives in a single message that changes through its
 * lifecycle (acknowledgement → proposal → progress → result): `post` sends it the first time and
 * edits it afterwards. A click that acts on the message it sits on starts with `message` set.
 */
export class Outbox {
  constructor(
    readonly adapter: ChatAdapter,
    readonly ctx?: ReplyContext,
    /** The message this event answers in, once there is one. */
    public message?: MessageRef,
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
    return this.adapter.send(thread, reply, this.ctx);
  }

  update(message: MessageRef, reply: Reply): Promise<void> {
    return this.adapter.update(message, reply, this.ctx);
  }

  ephemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void> {
    return this.adapter.sendEphemeral(thread, user, { ...reply, ephemeral: true }, this.ctx);
  }

  uploadLimit(thread: ThreadRef): number {
    return this.adapter.uploadLimit(thread, this.ctx);
  }
}
