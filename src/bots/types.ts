import type { HttpServer } from '../server/http.js';
import type { Logger } from '../util/logger.js';
import type { HealthStatus } from '../core/health.js';
import type { ChatAdapter, Deliver, Platform, ThreadQuery } from '../engine/types.js';
import type { BotState } from '../engine/engine.js';

/** What the app hands every bot when it starts it. */
export interface BotContext {
  http: HttpServer;
  logger: Logger;
  /** Whether the engine is editing in a thread (follow-ups without a mention). */
  threads: ThreadQuery;
  /** Work done for an event after acknowledging it (downloads, lookups): tracked so shutdown waits for it. */
  background<T>(work: Promise<T>): Promise<T>;
  /** This bot's durable corner of the state store (the playground keeps its threads there); absent in some tests. */
  state?: BotState;
}

/**
 * One platform, as the app sees it (vercel/chat style): events come in through `deliver`, replies
 * go out through `adapter`. Per-event reply state travels as the event's ReplyContext, and the
 * event id is the message's own identity, so the engine dedupes once for every platform.
 */
export interface Bot {
  readonly platform: Platform;
  readonly adapter: ChatAdapter;
  /**
   * Registers routes / connects; never blocks on the network (retries in the background).
   * `deliver` resolves once the event is stored: acknowledge the platform only then, and not at
   * all when it rejects (the platform delivers the event again).
   */
  start(ctx: BotContext, deliver: Deliver): Promise<void>;
  /** Resolves once the bot can send (its token is known to work); the engine then reports jobs a previous process left unfinished. */
  ready?(): Promise<void>;
  /** Stops taking events; resolves when connections are closed. */
  stop(): Promise<void>;
  health(): Promise<HealthStatus>;
}
