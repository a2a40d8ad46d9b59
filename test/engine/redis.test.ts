import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, MemoryBlobStore, openStore, type StateStore } from '../../src/engine/index.js';
import { TestAdapter } from '../support/test-adapter.js';
import { freePort, hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { catalog, fakeExecutor, fakePlanner, fakeSegmentation, photo, testEnv } from './fakes.js';
import { engineOptions } from '../support/engine-fakes.js';

/** Two engine instances sharing one Redis, as in a scaled-out deployment. */
describe.skipIf(!hasRedis)('state in Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  let url: string;
  const stores: StateStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    url = redis.url;
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await redis?.stop();
  });

  async function instance() {
    const store = await openStore({ dataDir: '/nonexistent', redisUrl: url, namespace: 'cie', onUnavailable: 'fail' });
    stores.push(store);
    const executor = fakeExecutor();
    const engine = await createEngine(engineOptions({
      env: testEnv(),
      store,
      blobs: shared,
      segmentation: fakeSegmentation(),
      planner: fakePlanner(),
      suggester: null,
      executor,
      catalog,
      renderOverlay: null,
      config: { jobs: { progressIntervalMs: 0 } } as never,
    }));
    return { engine, executor, store };
  }
  const shared = new MemoryBlobStore();

  it('claims are atomic across instances: an event delivered to both is answered once, a button pressed on both runs once', async () => {
    const a = await instance();
    const b = await instance();
    expect(a.store.kind).toBe('redis');
    const chat = new TestAdapter(a.engine);
    b.engine.attach(chat);
    const msg = chat.makeMessage({ text: 'brighter', images: [await photo()], eventId: 'shared-event' });
    await Promise.all([a.engine.deliver({ kind: 'message', message: msg }), b.engine.deliver({ kind: 'message', message: msg })]);
    expect(chat.replies('T1', { kind: 'ack' })).toHaveLength(1);
    expect(chat.replies('T1', { kind: 'proposal' })).toHaveLength(1);

    const { button } = chat.findButton(/^Adjust/)!;
    await Promise.all([chat.clickId(button.id), chat.attach(b.engine).clickId(button.id)]);
    await Promise.all([a.engine.idle(), b.engine.idle()]);
    expect(a.executor.log.length + b.executor.log.length).toBe(1);
    expect(chat.replies('T1', { type: 'ephemeral' }).map((r) => r.reply.text)).toEqual([expect.stringMatching(/already pressed/)]);
  });

  it("leaves a live instance's running job alone and runs it once that instance is gone", async () => {
    const a = await instance();
    const hanging = fakeExecutor({ hang: true });
    const aEngine = await createEngine(engineOptions({
      env: testEnv(),
      store: a.store,
      blobs: shared,
      segmentation: fakeSegmentation(),
      planner: fakePlanner(),
      suggester: null,
      executor: hanging,
      catalog,
      renderOverlay: null,
    }));
    const chat = new TestAdapter(aEngine);
    await chat.post({ text: 'brighter', images: [await photo()], thread: 'R1' });
    await chat.click(/^Adjust/, { thread: 'R1' });
    while (hanging.started === 0) await new Promise((r) => setTimeout(r, 5));

    const b = await instance();
    b.engine.attach(chat);
    await b.engine.recover(chat.platform);
    expect(chat.threadMessages('R1').some((m) => m.reply.kind === 'error')).toBe(false);

    // Instance A dies: its heartbeat lapses.
    await a.store.delete(`hb:${aEngine.ctx.instanceId}`);
    clearInterval((aEngine as unknown as { recovery: { heartbeat?: NodeJS.Timeout } }).recovery.heartbeat);
    const c = await instance();
    c.engine.attach(chat);
    await c.engine.recover(chat.platform);
    await c.engine.idle();
    // Its photo and commands are in the store: the job runs again and edits the same progress message.
    expect(c.executor.log).toHaveLength(1);
    expect(chat.threadMessages('R1').filter((m) => m.reply.progress || m.reply.kind === 'result')).toHaveLength(1);
    expect(chat.last('R1')!.reply.kind).toBe('result');
    expect(chat.threadMessages('R1').some((m) => m.reply.kind === 'error')).toBe(false);
  });

  it('stops start-up with a clear error when Redis cannot be reached and memory fallback is off', async () => {
    const port = await freePort();
    await expect(openStore({ dataDir: '/nonexistent', redisUrl: `redis://127.0.0.1:${port}`, namespace: 'cie', onUnavailable: 'fail', probeTimeoutMs: 500 })).rejects.toThrow(/Redis \(REDIS_URL\) cannot be opened/);
  });
});
