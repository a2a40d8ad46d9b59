import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { createEngine, MemoryBlobStore, type ChatAdapter, type Engine, type ImageRef, type MessageRef, type Reply, type ThreadRef, type UserRef } from '../../src/engine/index.js';
import { TestAdapter } from '../support/test-adapter.js';
import type { BullJobQueue } from '../../src/engine/jobs/queue/bullmq.js';
import { catalog, fakeExecutor, fakePlanner, fakeSegmentation, photo } from '../support/engine-fakes.js';
import { engineOptions } from '../support/engine-fakes.js';
import type { ExecuteRequest, Executor } from '../../src/engine/deps.js';
import { eventsTotal } from '../../src/util/metrics.js';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';

/**
 * One chat platform (the shared transcript) seen by two bot processes: each instance talks to it
 * through its own adapter, as two replicas of the service talk to the same Slack workspace.
 */
class InstanceAdapter implements ChatAdapter {
  readonly platform = 'web' as const;
  sends = 0;
  constructor(private readonly chat: TestAdapter) {}
  send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    this.sends++;
    return this.chat.send(thread, reply);
  }
  update(message: MessageRef, reply: Reply): Promise<void> {
    return this.chat.update(message, reply);
  }
  sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void> {
    return this.chat.sendEphemeral(thread, user, reply);
  }
  uploadLimit(): number {
    return this.chat.uploadLimit();
  }
  download(image: ImageRef): Promise<Buffer> {
    return this.chat.download(image);
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, tries = 800): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

describe.skipIf(!hasRedis)('two service instances sharing one Redis (state + BullMQ job queue)', () => {
  let redis: RedisServer;
  const engines: Engine[] = [];
  const blobs = new MemoryBlobStore();

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close(1000).catch(() => undefined)));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** An instance as `serve` builds it from REDIS_URL (store and queue on Redis), with instant fakes. */
  async function instance(chat: TestAdapter, ns: string, o: { executor?: Executor; queue?: Record<string, number>; concurrency?: Record<string, number>; jobs?: Record<string, number> } = {}) {
    const executor = (o.executor ?? fakeExecutor()) as ReturnType<typeof fakeExecutor>;
    const engine = await createEngine(engineOptions({
      env: readEnv({ DATA_DIR: '/nonexistent-ops-test', REDIS_URL: redis.url }),
      blobs,
      segmentation: fakeSegmentation(),
      planner: fakePlanner(),
      suggester: null,
      executor,
      catalog,
      renderOverlay: null,
      config: {
        namespace: ns,
        storeUnavailable: 'fail',
        jobs: { ...o.jobs, progressIntervalMs: 0, concurrency: o.concurrency ?? { default: 1, local: 2 }, queue: { lockDurationMs: 1000, stalledIntervalMs: 250, maxStalledCount: 1, cancelPollMs: 100, ...o.queue } },
      } as never,
    }));
    engines.push(engine);
    const adapter = new InstanceAdapter(chat);
    engine.attach(adapter);
    await engine.recover(adapter.platform);
    return { engine, adapter, executor };
  }

  const namespace = () => `ops${randomBytes(4).toString('hex')}`;

  it('runs on BullMQ, and an event delivered to both instances is handled once', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const a = await instance(chat, ns);
    const b = await instance(chat, ns);
    expect(a.engine.ctx.queue.kind).toBe('bullmq');
    const duplicatesBefore = (await eventsTotal.get()).values.find((v) => v.labels.outcome === 'duplicate' && v.labels.kind === 'message')?.value ?? 0;

    const msg = chat.makeMessage({ text: 'brighter', images: [await photo()], eventId: 'delivered-twice' });
    await Promise.all([a.engine.deliver({ kind: 'message', message: msg }), b.engine.deliver({ kind: 'message', message: msg })]);
    expect(chat.replies('T1', { kind: 'ack' })).toHaveLength(1);
    expect(chat.replies('T1', { kind: 'proposal' })).toHaveLength(1);
    const duplicatesAfter = (await eventsTotal.get()).values.find((v) => v.labels.outcome === 'duplicate' && v.labels.kind === 'message')?.value ?? 0;
    expect(duplicatesAfter - duplicatesBefore).toBe(1);

    // The click reaches instance B; whichever instance's worker runs the job, it edits the same message.
    const { button } = chat.findButton(/^Adjust/)!;
    await chat.attach(b.engine).clickId(button.id);
    await until('the result', () => chat.threadMessages('T1').some((m) => m.reply.kind === 'result'));
    expect(a.executor.started + b.executor.started).toBe(1);
    const jobMessages = chat.threadMessages('T1').filter((m) => m.reply.progress);
    expect(jobMessages).toHaveLength(1);
    expect(jobMessages[0]!.reply.kind).toBe('result');
  });

  it('spreads jobs over both instances while the per-backend limit holds across them', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let most = 0;
    const ran = { a: 0, b: 0 };
    const tracked = (name: 'a' | 'b'): Executor => {
      const inner = fakeExecutor();
      return {
        needsSegmentation: inner.needsSegmentation,
        async execute(req: ExecuteRequest) {
          running++;
          most = Math.max(most, running);
          ran[name]++;
          try {
            await gate;
            return await inner.execute(req);
          } finally {
            running--;
          }
        },
      };
    };
    // "local" may run 3 jobs at once in total; each instance alone would take 2.
    const opts = { concurrency: { default: 1, local: 3 }, queue: { workerConcurrency: 2 } };
    const a = await instance(chat, ns, { ...opts, executor: tracked('a') });
    const b = await instance(chat, ns, { ...opts, executor: tracked('b') });

    const threads = ['J1', 'J2', 'J3', 'J4', 'J5', 'J6'];
    for (const [i, thread] of threads.entries()) {
      const user = { id: `U${i}`, name: `user${i}` };
      const engine = i % 2 ? b.engine : a.engine;
      await chat.attach(engine).post({ text: 'brighter', images: [await photo()], thread, user });
      await chat.click(/^Adjust/, { thread, user });
    }
    await until('three jobs running', () => running >= 3);
    // Give a fourth job every chance to start if the shared limit did not hold.
    await new Promise((r) => setTimeout(r, 400));
    expect(most).toBe(3);
    release();
    await until('every result', () => threads.every((th) => chat.threadMessages(th).some((m) => m.reply.kind === 'result')));
    expect(ran.a + ran.b).toBe(6);
    expect(ran.a).toBeGreaterThan(0);
    expect(ran.b).toBeGreaterThan(0);
    expect(most).toBe(3);
    for (const th of threads) expect(chat.threadMessages(th).filter((m) => m.reply.kind === 'result')).toHaveLength(1);
  });

  it('retries a job on the other instance when the one running it dies mid-job', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const hanging = fakeExecutor({ hang: true });
    const a = await instance(chat, ns, { executor: hanging });
    await chat.attach(a.engine).post({ text: 'brighter', images: [await photo()], thread: 'K1' });
    await chat.click(/^Adjust/, { thread: 'K1' });
    await until('instance A runs the job', () => hanging.started === 1);

    const b = await instance(chat, ns);
    // Instance A is killed: its worker stops and its locks lapse; the job's code never finishes.
    await (a.engine.ctx.queue as BullJobQueue).abandon();
    await until('the result', () => chat.threadMessages('K1').some((m) => m.reply.kind === 'result'));
    expect(b.executor.started).toBe(1);
    const job = chat.threadMessages('K1').filter((m) => m.reply.progress);
    expect(job).toHaveLength(1);
    expect(job[0]!.reply.text).toMatch(/^Done/);
    expect(chat.replies('K1', { kind: 'error' })).toHaveLength(0);
  });

  it('tells the user, with a Retry button, when a job keeps losing its worker', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const hanging = fakeExecutor({ hang: true });
    const a = await instance(chat, ns, { executor: hanging, queue: { maxStalledCount: 0 } });
    await chat.attach(a.engine).post({ text: 'brighter', images: [await photo()], thread: 'L1' });
    await chat.click(/^Adjust/, { thread: 'L1' });
    await until('instance A runs the job', () => hanging.started === 1);

    const b = await instance(chat, ns, { queue: { maxStalledCount: 0 } });
    await (a.engine.ctx.queue as BullJobQueue).abandon();
    await until('a failure message', () => chat.threadMessages('L1').some((m) => m.reply.kind === 'error'));
    const job = chat.threadMessages('L1').find((m) => m.reply.kind === 'error')!;
    expect(job.reply.text).toMatch(/interrupted/);
    expect(job.reply.buttons?.flat().map((x) => x.label)).toContain('Try again');
    expect(b.executor.started).toBe(0);

    // Retry works from the other instance.
    await chat.attach(b.engine).click('Try again', { thread: 'L1' });
    await until('the retried result', () => chat.threadMessages('L1').some((m) => m.reply.kind === 'result'));
    expect(b.executor.started).toBe(1);
  });

  it('hands an unfinished job to the other instance at shutdown instead of cancelling it', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const hanging = fakeExecutor({ hang: true });
    const a = await instance(chat, ns, { executor: hanging });
    await chat.attach(a.engine).post({ text: 'brighter', images: [await photo()], thread: 'N1' });
    await chat.click(/^Adjust/, { thread: 'N1' });
    await until('instance A runs the job', () => hanging.started === 1);
    const b = await instance(chat, ns);
    // SIGTERM on A: the running job does not finish within the grace period.
    await a.engine.close(200);
    await until('the result', () => chat.threadMessages('N1').some((m) => m.reply.kind === 'result'));
    expect(b.executor.started).toBe(1);
    expect(chat.threadMessages('N1').filter((m) => m.reply.progress)).toHaveLength(1);
    expect(chat.log.some((r) => r.reply.progress?.state === 'cancelled' || r.reply.kind === 'error')).toBe(false);
  });

  it('counts per-user limits over both instances', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const jobs = { maxQueuedPerUser: 2 };
    const a = await instance(chat, ns, { jobs, executor: fakeExecutor({ hang: true }) });
    const b = await instance(chat, ns, { jobs, executor: fakeExecutor({ hang: true }) });
    // Three clicks by one user, landing on alternating instances: the third is over the limit of 2.
    for (const [i, engine] of [a.engine, b.engine, a.engine].entries()) {
      await chat.attach(engine).post({ text: 'brighter', images: [await photo()], thread: `Q${i}` });
      await chat.click(/^Adjust/, { thread: `Q${i}` });
    }
    expect(chat.threadMessages('Q0').some((m) => m.reply.progress)).toBe(true);
    expect(chat.threadMessages('Q1').some((m) => m.reply.progress)).toBe(true);
    expect(chat.threadMessages('Q2').some((m) => m.reply.progress)).toBe(false);
    expect(chat.replies('Q2', { type: 'ephemeral' }).map((r) => r.reply.text)).toEqual([expect.stringMatching(/already have 2 edits/)]);
  });

  it('counts starts per minute over both instances', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const jobs = { perUserPerMinute: 2 };
    const a = await instance(chat, ns, { jobs });
    const b = await instance(chat, ns, { jobs });
    for (const [i, engine] of [a.engine, b.engine, a.engine].entries()) {
      await chat.attach(engine).post({ text: 'brighter', images: [await photo()], thread: `R${i}` });
      await chat.click(/^Adjust/, { thread: `R${i}` });
    }
    expect(chat.replies('R2', { type: 'ephemeral' }).map((r) => r.reply.text)).toEqual([expect.stringMatching(/wait \d+ s/)]);
    expect(chat.threadMessages('R2').some((m) => m.reply.progress)).toBe(false);
  });

  it('cancels a job running on the other instance', async () => {
    const chat = new TestAdapter();
    const ns = namespace();
    const hanging = fakeExecutor({ hang: true });
    const a = await instance(chat, ns, { executor: hanging });
    await chat.attach(a.engine).post({ text: 'brighter', images: [await photo()], thread: 'M1' });
    await chat.click(/^Adjust/, { thread: 'M1' });
    await until('instance A runs the job', () => hanging.started === 1);
    const b = await instance(chat, ns);
    await chat.attach(b.engine).click('Cancel', { thread: 'M1' });
    await until('the cancellation', () => chat.threadMessages('M1').some((m) => m.reply.progress?.state === 'cancelled'));
    expect(b.executor.started).toBe(0);
  });
});
