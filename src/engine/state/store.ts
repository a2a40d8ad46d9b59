import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Keyv from 'keyv';
import { untilAborted } from '../../util/abort.js';
import { getLogger } from '../../util/logger.js';

/**
 * The engine's state store: a Keyv (memory in tests, SQLite under DATA_DIR by default, Redis when
 * REDIS_URL is set) plus an atomic "claim" (set-if-absent) used for event dedupe and double-click
 * protection. Keyv has no compare-and-set, so claims go to the backend natively where it has one
 * (SQLite INSERT … ON CONFLICT DO NOTHING RETURNING, Redis SET NX) and are serialised in-process
 * otherwise; in-process serialisation alone is enough for a single instance.
 */
export class StateStore {
  private readonly locks = new KeyedMutex();
  private claimTableReady?: Promise<void>;

  constructor(
    readonly keyv: Keyv,
    readonly kind: 'memory' | 'sqlite' | 'redis' | 'custom' = 'custom',
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.keyv.get(key)) as T | undefined;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    await this.keyv.set(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    await this.keyv.delete(key);
  }

  /** Runs `fn` while holding this process's lock on `key` (read-modify-write of one record). */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(key, fn);
  }

  /** Read-modify-write under the key's lock; `fn` returns the new value (undefined = delete). */
  async update<T>(key: string, fn: (current: T | undefined) => T | undefined | Promise<T | undefined>, ttlMs?: number): Promise<T | undefined> {
    return this.withLock(key, async () => {
      const next = await fn(await this.get<T>(key));
      if (next === undefined) await this.delete(key);
      else await this.set(key, next, ttlMs);
      return next;
    });
  }

  /** True exactly once per key within `ttlMs`, across restarts (and across instances on SQLite/Redis). */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    return this.locks.run(`claim:${key}`, async () => {
      const native = await this.claimNative(key, ttlMs);
      if (native !== undefined) return native;
      if ((await this.keyv.get(`claim:${key}`)) !== undefined) return false;
      await this.keyv.set(`claim:${key}`, 1, ttlMs);
      return true;
    });
  }

  /** Gives a claim back (the click did nothing, so pressing again must work). */
  async releaseClaim(key: string): Promise<void> {
    await this.locks.run(`claim:${key}`, async () => {
      const adapter = this.keyv.store as { query?: (sql: string, ...p: unknown[]) => Promise<unknown[]>; getClient?: () => Promise<unknown> };
      const ns = this.keyv.namespace ? `${this.keyv.namespace}:` : '';
      if (this.kind === 'sqlite' && typeof adapter.query === 'function') {
        await this.claimTableReady;
        await adapter.query('DELETE FROM engine_claims WHERE key = ?', ns + key);
      } else if (this.kind === 'redis' && typeof adapter.getClient === 'function') {
        const client = (await adapter.getClient()) as { del(k: string): Promise<number> };
        await client.del(`${ns}claim:${key}`);
      } else await this.keyv.delete(`claim:${key}`);
    });
  }

  private async claimNative(key: string, ttlMs: number): Promise<boolean | undefined> {
    const adapter = this.keyv.store as { query?: (sql: string, ...p: unknown[]) => Promise<unknown[]>; client?: unknown; getClient?: () => Promise<unknown> };
    const ns = this.keyv.namespace ? `${this.keyv.namespace}:` : '';
    if (this.kind === 'sqlite' && typeof adapter.query === 'function') {
      const query = adapter.query.bind(adapter);
      this.claimTableReady ??= query('CREATE TABLE IF NOT EXISTS engine_claims(key VARCHAR(255) PRIMARY KEY, expires INTEGER NOT NULL)').then(() => undefined);
      await this.claimTableReady;
      const now = Date.now();
      // One statement: insert, or take over an expired claim; a row comes back only for the winner.
      const rows = await query(
        'INSERT INTO engine_claims(key, expires) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET expires = excluded.expires WHERE engine_claims.expires < ? RETURNING key',
        ns + key,
        now + ttlMs,
        now,
      );
      return rows.length === 1;
    }
    if (this.kind === 'redis' && typeof adapter.getClient === 'function') {
      const client = (await adapter.getClient()) as { set(k: string, v: string, o: { NX: true; PX: number }): Promise<string | null> };
      return (await client.set(`${ns}claim:${key}`, '1', { NX: true, PX: ttlMs })) === 'OK';
    }
    return undefined;
  }

  async close(): Promise<void> {
    try {
      await this.keyv.disconnect();
    } catch {
      // closing a store that never connected is not worth a failure at shutdown
    }
  }
}

/** Serialises async work per key inside this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export function memoryStore(namespace = 'cie'): StateStore {
  return new StateStore(new Keyv({ namespace }), 'memory');
}

/**
 * Opens the configured persistent store: Redis when `redisUrl` is set, else SQLite at
 * `${dataDir}/state.sqlite`. A store that cannot be opened either stops start-up with a clear
 * error (`onUnavailable: 'fail'`) or falls back to memory with a loud warning.
 */
export async function openStore(opts: {
  dataDir: string;
  redisUrl?: string;
  namespace: string;
  onUnavailable: 'fail' | 'memory';
  /** How long the start-up round trip may take. */
  probeTimeoutMs?: number;
}): Promise<StateStore> {
  const log = getLogger();
  let store: StateStore | undefined;
  let where = '';
  try {
    if (opts.redisUrl) {
      where = 'Redis (REDIS_URL)';
      const { default: KeyvRedis } = await import('@keyv/redis');
      const adapter = new KeyvRedis(opts.redisUrl, { throwOnConnectError: true, throwOnErrors: true });
      const keyv = new Keyv({ store: adapter, namespace: opts.namespace, throwOnErrors: true });
      store = new StateStore(keyv, 'redis');
    } else {
      where = path.join(opts.dataDir, 'state.sqlite');
      mkdirSync(opts.dataDir, { recursive: true });
      const { default: KeyvSqlite } = await import('@keyv/sqlite');
      const adapter = new KeyvSqlite({ uri: `sqlite://${where}`, busyTimeout: 5000 });
      adapter.on('error', (err: unknown) => log.error({ err }, 'state store error'));
      // Write-ahead logging without an fsync per write: a state write costs microseconds instead of
      // a disk flush (an OS crash may lose the last moments; a process crash loses nothing).
      await adapter.query('PRAGMA journal_mode = WAL');
      await adapter.query('PRAGMA synchronous = NORMAL');
      const keyv = new Keyv({ store: adapter, namespace: opts.namespace, throwOnErrors: true });
      store = new StateStore(keyv, 'sqlite');
    }
    // A round trip proves the store works now rather than at the first user's message; a client
    // that keeps reconnecting (Redis down) must not hold start-up forever.
    const probe = store;
    await untilAborted(
      (async () => {
        await probe.set('engine:probe', Date.now(), 60_000);
        await probe.get('engine:probe');
      })(),
      AbortSignal.timeout(opts.probeTimeoutMs ?? 5000),
    );
    return store;
  } catch (err) {
    await untilAborted(store?.close() ?? Promise.resolve(), AbortSignal.timeout(1000)).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    if (opts.onUnavailable === 'fail') {
      throw new Error(`The state store ${where} cannot be opened (${reason}). Fix it, or set engine.storeUnavailable: memory to run without persistence.`, { cause: err });
    }
    log.warn(
      { store: where, reason },
      'STATE STORE UNAVAILABLE: running on memory only. Buttons, sessions and jobs will be LOST on restart. Fix the store or set engine.storeUnavailable: fail.',
    );
    return memoryStore(opts.namespace);
  }
}
