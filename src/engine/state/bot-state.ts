import type { EngineContext } from '../context.js';
import type { Platform } from '../types.js';
import type { BlobStore } from './blobs.js';

/** What `Engine.botState` hands a bot. */
export interface BotState {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  update<T>(key: string, fn: (cur: T | undefined) => T | undefined, ttlMs?: number): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  blobs: BlobStore;
}

/**
 * A durable key-value corner of the state store for a bot (the playground keeps its threads
 * there). Writes are tracked, so shutdown lets them land before the store closes.
 */
export function botState(ctx: EngineContext, platform: Platform): BotState {
  const prefix = `bot:${platform}:`;
  const { store } = ctx;
  return {
    get: <T>(key: string) => store.get<T>(prefix + key),
    set: (key, value, ttlMs) => ctx.track(store.set(prefix + key, value, ttlMs)),
    update: <T>(key: string, fn: (cur: T | undefined) => T | undefined, ttlMs?: number) => ctx.track(store.update<T>(prefix + key, fn, ttlMs)),
    delete: (key) => ctx.track(store.delete(prefix + key)),
    blobs: ctx.blobs,
  };
}
