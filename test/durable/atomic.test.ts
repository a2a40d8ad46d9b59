import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EngineSchema } from '../../src/config/schemas/engine.js';
import { openStore, type StateStore } from '../../src/engine/index.js';
import { Records } from '../../src/engine/state/records.js';
import type { ThreadSession } from '../../src/engine/state/session.js';
import { StoreClosed } from '../../src/engine/state/store.js';
import type { ThreadRef } from '../../src/engine/types.js';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const thread: ThreadRef = { platform: 'slack', workspace: 'T1', channel: 'C1', thread: '1700000000.000100' };
const config = EngineSchema.parse({});

function session(): ThreadSession {
  const now = Date.now();
  return { id: 's1', thread, owner: 'U1', locale: 'en', revisions: {}, current: 'r0', undo: [], redo: [], history: [], createdAt: now, updatedAt: now };
}

/**
 * Two instances (two connections to one database) each make 50 updates to the same session at
 * once; every update must survive: read-modify-write is compare-and-set, not a per-process lock.
 */
async function hundredUpdates(a: StateStore, b: StateStore): Promise<ThreadSession> {
  const ra = new Records(a, config);
  const rb = new Records(b, config);
  await ra.saveSession(session());
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      (i % 2 ? ra : rb).updateSession(thread, (s) => {
        s.history.push({ role: 'user', content: `turn ${i}` });
      }),
    ),
  );
  return (await ra.session(thread))!;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('atomic updates across instances', () => {
  it('SQLite: two connections to one DATA_DIR making 100 concurrent updates to one session lose none', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-cas-'));
    dirs.push(dataDir);
    const a = await openStore({ dataDir, namespace: 'cie', onUnavailable: 'fail' });
    const b = await openStore({ dataDir, namespace: 'cie', onUnavailable: 'fail' });
    expect([a.kind, b.kind]).toEqual(['sqlite', 'sqlite']);
    const s = await hundredUpdates(a, b);
    expect(s.history).toHaveLength(100);
    expect(new Set(s.history.map((t) => t.content)).size).toBe(100);
    await a.close();
    await b.close();
  });

  it('a closed store refuses every call instead of reaching the closed database', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-cas-'));
    dirs.push(dataDir);
    const a = await openStore({ dataDir, namespace: 'cie', onUnavailable: 'fail' });
    await a.set('k', 1);
    await a.close();
    await expect(a.get('k')).rejects.toBeInstanceOf(StoreClosed);
    await expect(a.update('k', () => 2)).rejects.toBeInstanceOf(StoreClosed);
    await expect(a.claim('c', 1000)).rejects.toBeInstanceOf(StoreClosed);
  });

  it('a claim held by an owner is won again by the same owner and by nobody else', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-cas-'));
    dirs.push(dataDir);
    const a = await openStore({ dataDir, namespace: 'cie', onUnavailable: 'fail' });
    expect(await a.claim('click:x', 60_000, 'event-1')).toBe(true);
    expect(await a.claim('click:x', 60_000, 'event-1')).toBe(true);
    expect(await a.claim('click:x', 60_000, 'event-2')).toBe(false);
    expect(await a.claim('click:x', 60_000)).toBe(false);
    await a.close();
  });
});

describe('expired records', () => {
  it('are swept from SQLite (the inbox leaves a tombstone per event)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-cas-'));
    dirs.push(dataDir);
    const a = await openStore({ dataDir, namespace: 'cie', onUnavailable: 'fail' });
    await a.set('in:gone', { state: 'done' }, 1);
    await a.set('in:kept', { state: 'done' }, 60_000);
    await a.set('forever', 1);
    await new Promise((r) => setTimeout(r, 5));
    const rows = async () => (await (a.keyv.store as { query(sql: string): Promise<{ key: string }[]> }).query('SELECT key FROM keyv')).map((r) => r.key).sort();
    expect(await rows()).toContain('cie:in:gone');
    await a.sweepExpired();
    expect(await rows()).toEqual(['cie:engine:probe', 'cie:forever', 'cie:in:kept']);
    await a.close();
  });
});

describe.skipIf(!hasRedis)('atomic updates across instances on Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two instances making 100 concurrent updates to one session lose none', async () => {
    const a = await openStore({ dataDir: '/nonexistent', redisUrl: redis.url, namespace: 'cie', onUnavailable: 'fail' });
    const b = await openStore({ dataDir: '/nonexistent', redisUrl: redis.url, namespace: 'cie', onUnavailable: 'fail' });
    expect([a.kind, b.kind]).toEqual(['redis', 'redis']);
    const s = await hundredUpdates(a, b);
    expect(s.history).toHaveLength(100);
    expect(await a.claim('click:y', 60_000, 'event-1')).toBe(true);
    expect(await b.claim('click:y', 60_000, 'event-1')).toBe(true);
    expect(await b.claim('click:y', 60_000, 'event-2')).toBe(false);
    await a.close();
    await b.close();
  });
});
