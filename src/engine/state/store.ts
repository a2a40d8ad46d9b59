import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Keyv from 'keyv';
import { settleWithin, untilAborted } from '../../util/abort.js';
import { getLogger } from '../../util/logger.js';

/** Thrown by every store operation after `close()`: nothing touches the database once it is closed. */
export class StoreClosed extends Error {
  constructor() {
    super('the state store is closed (shutting down)');
    this.name = 'StoreClosed';
  }
}

/** Thrown when a compare-and-set keeps losing to other writers (far beyond any normal contention). */
export class StoreContention extends Error {
  constructor(key: string) {
    super(`the state store could not update ${key}: too many concurrent writers`);
    this.name = 'StoreContention';
  }
}

type SqlAdapter = { query(sql: string, ...p: unknown[]): Promise<Record<string, unknown>[]>; opts?: { table?: string } };
type RedisClient = {
  get(k: string): Promise<string | null>;
  set(k: string, v: string, o?: { NX?: true; PX?: number }): Promise<string | null>;
  del(k: string): Promise<number>;
  eval(script: string, o: { keys: string[]; arguments: string[] }): Promise<unknown>;
};
type RedisAdapter = { getClient(): Promise<unknown>; createKeyPrefix(key: string, namespace?: string): string; namespace?: string };

/**
 * Compare-and-set on one Redis key, atomically (a Lua script runs alone on the server): the write
 * happens only when the key still holds exactly the value the caller read (ARGV[1] = "0": absent).
 */
const REDIS_CAS = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1`;

/** A claim already held: by `owner` (the same event handled again after a restart) it counts as won. */
const REDIS_CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if ARGV[1] ~= '1' and redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`;

/**
 * The engine's state store: a Keyv (memory in tests, SQLite under DATA_DIR by default, Redis when
 * REDIS_URL is set) plus what Keyv lacks:
 * - `update`: read-modify-write as compare-and-set, so several instances (or processes on one
 *   SQLite file) never overwrite each other's changes. The version compared is the exact stored
 *   value (which carries its write time): SQLite `UPDATE … WHERE key = ? AND value = ?` (one
 *   statement, one implicit transaction), Redis a Lua script, memory the in-process lock. A lost
 *   race re-reads and applies `fn` again.
 * - `claim`: set-if-absent, natively (SQLite INSERT … ON CONFLICT … RETURNING, Redis SET NX).
 * - a closed state: after `close()` every call throws StoreClosed instead of reaching a closed
 *   database handle.
 */
export class StateStore {
  private readonly locks = new KeyedMutex();
  private claimTableReady?: Promise<void>;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly keyv: Keyv,
    readonly kind: 'memory' | 'sqlite' | 'redis' | 'custom' = 'custom',
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Every operation goes through here: refused once closed, tracked so close() lets it finish. */
  private op<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosed());
    const p = work();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.op(async () => (await this.keyv.get(key)) as T | undefined);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    await this.op(() => this.keyv.set(key, value, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.op(() => this.keyv.delete(key));
  }

  /** Runs `fn` while holding this process's lock on `key`. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(key, fn);
  }

  /**
   * Read-modify-write as compare-and-set (see the class comment); `fn` returns the new value
   * (undefined = delete) and may run more than once, so it must not have other side effects.
   * The in-process lock keeps this process's writers from racing each other; the compare-and-set
   * covers other processes and instances.
   */
  async update<T>(key: string, fn: (current: T | undefined) => T | undefined | Promise<T | undefined>, ttlMs?: number): Promise<T | undefined> {
    return this.withLock(key, async () => {
      if (this.kind !== 'sqlite' && this.kind !== 'redis') {
        const next = await fn(await this.get<T>(key));
        if (next === undefined) await this.delete(key);
        else await this.set(key, next, ttlMs);
        return next;
      }
      for (let attempt = 0; attempt < 100; attempt++) {
        const raw = await this.op(() => this.readRaw(key));
        const current = raw === undefined ? undefined : await this.decode<T>(raw);
        const before = current === undefined ? undefined : JSON.stringify(current);
        const next = await fn(current);
        if (next === undefined && raw === undefined) return undefined;
        // Unchanged: nothing to write (and the record keeps the expiry it has).
        if (next !== undefined && before !== undefined && JSON.stringify(next) === before) return next;
        const written = next === undefined ? undefined : String(await this.keyv.serializeData({ value: next, expires: ttlMs ? Date.now() + ttlMs : undefined }));
        if (await this.op(() => this.compareAndSet(key, raw, written, ttlMs))) return next;
        // Another writer got there first: back off a little (jittered) and apply fn to its value.
        await new Promise((r) => setTimeout(r, Math.min(50, 1 + attempt * 2) * Math.random()));
      }
      throw new StoreContention(key);
    });
  }

  /**
   * Writes `value` unless the key holds a value already (an expired one counts as absent); true
   * when written. One round trip: SQLite INSERT … ON CONFLICT … RETURNING, Redis SET NX.
   */
  async create(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    if (this.kind !== 'sqlite' && this.kind !== 'redis') {
      return this.withLock(key, async () => {
        if ((await this.get(key)) !== undefined) return false;
        await this.set(key, value, ttlMs);
        return true;
      });
    }
    const full = this.keyv._getKeyPrefix(key);
    const raw = String(await this.keyv.serializeData({ value, expires: ttlMs ? Date.now() + ttlMs : undefined }));
    return this.op(async () => {
      if (this.kind === 'sqlite') {
        const adapter = this.keyv.store as SqlAdapter;
        const table = adapter.opts?.table ?? 'keyv';
        const rows = await adapter.query(
          `INSERT INTO ${table}(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE json_extract(${table}.value, '$.expires') < ? RETURNING key`,
          full,
          raw,
          Date.now(),
        );
        return rows.length === 1;
      }
      const { client, key: rkey } = await this.redisKey(full);
      return (await client.set(rkey, raw, ttlMs ? { NX: true, PX: ttlMs } : { NX: true })) === 'OK';
    });
  }

  /** The stored text of a key, as Keyv wrote it (undefined when absent). */
  private async readRaw(key: string): Promise<string | undefined> {
    const full = this.keyv._getKeyPrefix(key);
    if (this.kind === 'sqlite') {
      const adapter = this.keyv.store as SqlAdapter;
      const rows = await adapter.query(`SELECT value FROM ${adapter.opts?.table ?? 'keyv'} WHERE key = ?`, full);
      const v = rows[0]?.value;
      return typeof v === 'string' ? v : undefined;
    }
    const { client, key: rkey } = await this.redisKey(full);
    return (await client.get(rkey)) ?? undefined;
  }

  /** The value inside a stored text; undefined once its expiry has passed. */
  private async decode<T>(raw: string): Promise<T | undefined> {
    const data = (await this.keyv.deserializeData(raw)) as { value?: T; expires?: number } | undefined;
    if (!data || (typeof data.expires === 'number' && Date.now() > data.expires)) return undefined;
    return data.value;
  }

  /** Writes `next` (undefined = delete) only if the key still holds `expected` (undefined = absent). */
  private async compareAndSet(key: string, expected: string | undefined, next: string | undefined, ttlMs?: number): Promise<boolean> {
    const full = this.keyv._getKeyPrefix(key);
    if (this.kind === 'sqlite') {
      const adapter = this.keyv.store as SqlAdapter;
      const table = adapter.opts?.table ?? 'keyv';
      let rows: Record<string, unknown>[];
      if (expected === undefined) rows = await adapter.query(`INSERT INTO ${table}(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING RETURNING key`, full, next);
      else if (next === undefined) rows = await adapter.query(`DELETE FROM ${table} WHERE key = ? AND value = ? RETURNING key`, full, expected);
      else rows = await adapter.query(`UPDATE ${table} SET value = ? WHERE key = ? AND value = ? RETURNING key`, next, full, expected);
      return rows.length === 1;
    }
    const { client, key: rkey } = await this.redisKey(full);
    const won = await client.eval(REDIS_CAS, {
      keys: [rkey],
      arguments: [expected === undefined ? '0' : '1', expected ?? '', next === undefined ? '1' : '0', next ?? '', String(ttlMs ?? 0)],
    });
    return Number(won) === 1;
  }

  private async redisKey(full: string): Promise<{ client: RedisClient; key: string }> {
    const adapter = this.keyv.store as RedisAdapter;
    return { client: (await adapter.getClient()) as RedisClient, key: adapter.createKeyPrefix(full, adapter.namespace) };
  }

  /**
   * True exactly once per key within `ttlMs`, across restarts (and across instances on SQLite and
   * Redis). With `owner`, a claim already held by the same owner counts as won: an event handled
   * again after a restart gets back the buttons it had claimed the first time.
   */
  async claim(key: string, ttlMs: number, owner?: string): Promise<boolean> {
    return this.locks.run(`claim:${key}`, () =>
      this.op(async () => {
        const native = await this.claimNative(key, ttlMs, owner ?? '1');
        if (native !== undefined) return native;
        const held = await this.keyv.get(`claim:${key}`);
        if (held !== undefined && !(owner && held === owner)) return false;
        await this.keyv.set(`claim:${key}`, owner ?? 1, ttlMs);
        return true;
      }),
    );
  }

  /** Gives a claim back (the click did nothing, so pressing again must work). */
  async releaseClaim(key: string): Promise<void> {
    await this.locks.run(`claim:${key}`, () =>
      this.op(async () => {
        const adapter = this.keyv.store as { query?: (sql: string, ...p: unknown[]) => Promise<unknown[]>; getClient?: () => Promise<unknown> };
        const ns = this.keyv.namespace ? `${this.keyv.namespace}:` : '';
        if (this.kind === 'sqlite' && typeof adapter.query === 'function') {
          await this.claimTable();
          await adapter.query('DELETE FROM engine_claims WHERE key = ?', ns + key);
        } else if (this.kind === 'redis' && typeof adapter.getClient === 'function') {
          const client = (await adapter.getClient()) as RedisClient;
          await client.del(`${ns}claim:${key}`);
        } else await this.keyv.delete(`claim:${key}`);
      }),
    );
  }

  private claimTable(): Promise<void> {
    const adapter = this.keyv.store as SqlAdapter;
    this.claimTableReady ??= (async () => {
      await adapter.query('CREATE TABLE IF NOT EXISTS engine_claims(key VARCHAR(255) PRIMARY KEY, expires INTEGER NOT NULL, owner TEXT)');
      // Tables made before claims had owners.
      const columns = await adapter.query('PRAGMA table_info(engine_claims)');
      if (!columns.some((c) => c.name === 'owner')) await adapter.query('ALTER TABLE engine_claims ADD COLUMN owner TEXT');
    })();
    return this.claimTableReady;
  }

  private async claimNative(key: string, ttlMs: number, owner: string): Promise<boolean | undefined> {
    const ns = this.keyv.namespace ? `${this.keyv.namespace}:` : '';
    if (this.kind === 'sqlite') {
      const adapter = this.keyv.store as SqlAdapter;
      await this.claimTable();
      const now = Date.now();
      // One statement: insert, or take over an expired claim (or one this owner holds); a row comes back only for the winner.
      const rows = await adapter.query(
        'INSERT INTO engine_claims(key, expires, owner) VALUES(?, ?, ?) ON CONFLICT(key) DO UPDATE SET expires = excluded.expires, owner = excluded.owner WHERE engine_claims.expires < ? OR (excluded.owner <> \'1\' AND engine_claims.owner = excluded.owner) RETURNING key',
        ns + key,
        now + ttlMs,
        owner,
        now,
      );
      return rows.length === 1;
    }
    if (this.kind === 'redis') {
      const client = (await (this.keyv.store as RedisAdapter).getClient()) as RedisClient;
      return Number(await client.eval(REDIS_CLAIM, { keys: [`${ns}claim:${key}`], arguments: [owner, String(ttlMs)] })) === 1;
    }
    return undefined;
  }

  /**
   * Deletes expired records (SQLite keeps a row until it is read or overwritten; Redis expires keys
   * by itself): the inbox leaves a small tombstone per event for the dedupe window.
   */
  async sweepExpired(): Promise<void> {
    if (this.kind !== 'sqlite') return;
    const adapter = this.keyv.store as SqlAdapter;
    const ns = this.keyv.namespace ? `${this.keyv.namespace}:` : '';
    const now = Date.now();
    await this.op(async () => {
      await adapter.query(`DELETE FROM ${adapter.opts?.table ?? 'keyv'} WHERE key LIKE ? AND json_extract(value, '$.expires') < ?`, `${ns.replace(/[%_]/g, '')}%`, now);
      await this.claimTable();
      await adapter.query('DELETE FROM engine_claims WHERE expires < ?', now);
    });
  }

  /**
   * Closes the store: later calls throw StoreClosed; calls already running get `graceMs` to finish
   * before the database handle goes (a query on a closed SQLite handle aborts the process).
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await settleWithin(Promise.allSettled([...this.pending]), AbortSignal.timeout(graceMs));
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
