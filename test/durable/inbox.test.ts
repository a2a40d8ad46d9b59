import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, MemoryBlobStore, openStore, type Engine } from '../../src/engine/index.js';
import type { ChatAdapter, ImageRef, IncomingMessage, MessageRef, Reply, ThreadRef, UserRef } from '../../src/engine/types.js';
import { keys } from '../../src/engine/state/keys.js';
import type { InboxEntry } from '../../src/engine/state/inbox.js';
import { catalog, engineOptions, fakeExecutor, fakePlanner, fakeSegmentation, photo, testEnv } from '../support/engine-fakes.js';
import { TestAdapter } from '../support/test-adapter.js';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';

/** What a chat platform shows: every message posted, by thread, whoever (which process) posted it. */
class Platform {
  readonly posts: { thread: string; id: string; text: string; key?: string; ephemeral: boolean; buttons: string[] }[] = [];
  readonly edits: { id: string; text: string; buttons: string[] }[] = [];
  private seq = 0;
  post(thread: ThreadRef, reply: Reply, ephemeral = false): MessageRef {
    const id = `m${++this.seq}`;
    this.posts.push({ thread: thread.thread, id, text: reply.text, key: reply.key, ephemeral, buttons: (reply.buttons ?? []).flat().map((b) => b.id) });
    return { platform: 'slack', channel: thread.channel, thread: thread.thread, id };
  }
  inThread(thread: string) {
    return this.posts.filter((p) => p.thread === thread);
  }
  /** What a message shows now: its last edit, or what was posted. */
  current(id: string) {
    return this.edits.filter((e) => e.id === id).at(-1) ?? this.posts.find((p) => p.id === id)!;
  }
}

/**
 * One process's adapter to the platform. `dieAfter`: after that many calls have reached the platform
 * the process "dies": later calls never return, and the call that killed it never returns either
 * (the post reached the platform, its answer never reached us).
 */
class ProcessAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  private calls = 0;
  dead: boolean;
  constructor(
    private readonly world: Platform,
    private readonly dieAfter = Infinity,
  ) {
    this.dead = dieAfter <= 0;
  }
  private async step<T>(fn: () => T): Promise<T> {
    if (this.dead) return new Promise<T>(() => undefined);
    const result = fn();
    if (++this.calls >= this.dieAfter) {
      this.dead = true;
      return new Promise<T>(() => undefined);
    }
    return result;
  }
  send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    return this.step(() => this.world.post(thread, reply));
  }
  update(message: MessageRef, reply: Reply): Promise<void> {
    return this.step(() => void this.world.edits.push({ id: message.id, text: reply.text, buttons: (reply.buttons ?? []).flat().map((b) => b.id) }));
  }
  sendEphemeral(thread: ThreadRef, _user: UserRef, reply: Reply): Promise<void> {
    return this.step(() => void this.world.post(thread, reply, true));
  }
  uploadLimit(): number {
    return 8 * 1024 * 1024;
  }
  download(image: ImageRef): Promise<Buffer> {
    return new TestAdapter().download(image);
  }
  async findSent(thread: ThreadRef, key: string): Promise<MessageRef | undefined> {
    const hit = this.world.posts.find((p) => p.thread === thread.thread && p.key === key);
    return hit ? { platform: 'slack', channel: thread.channel, thread: thread.thread, id: hit.id } : undefined;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function boot(dataDir: string, config: Record<string, unknown> = {}, store?: Parameters<typeof createEngine>[0]['store']): Promise<Engine> {
  return createEngine(
    engineOptions({
      env: testEnv(dataDir),
      store,
      blobs: shared,
      segmentation: fakeSegmentation(),
      planner: fakePlanner(),
      suggester: null,
      executor: fakeExecutor(),
      catalog,
      renderOverlay: null,
      config: { jobs: { progressIntervalMs: 0 }, ...config } as never,
    }),
  );
}
const shared = new MemoryBlobStore();

function message(text: string, thread: string, images: ImageRef[] = []): IncomingMessage {
  return { platform: 'slack', eventId: `ev-${thread}`, thread: { platform: 'slack', workspace: 'W', channel: 'C', thread }, user: { id: 'U1' }, text, images };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the durable inbox', () => {
  it('an event acknowledged but not answered when the process dies is answered once after the restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-inbox-'));
    dirs.push(dataDir);
    const world = new Platform();
    // A photo with an instruction is answered in one message: the acknowledgement, edited into the proposal. The first process dies while posting the acknowledgement.
    const first = await boot(dataDir);
    first.attach(new ProcessAdapter(world, 1));
    const img = TestAdapter.image(await photo());
    await first.accept({ kind: 'message', message: message('brighter', 'T1', [img]) });
    await until('the ack reached the platform', () => world.posts.length === 1);

    const second = await boot(dataDir);
    second.attach(new ProcessAdapter(world));
    await second.recover('slack');
    await second.idle();
    const posts = world.inThread('T1');
    // The acknowledgement the first process posted (its answer lost) is found by its key, not posted again, and becomes the proposal.
    expect(posts.map((p) => p.text)).toEqual([expect.stringMatching(/^Got it/)]);
    expect(world.current(posts[0]!.id).text).toMatch(/understood/);
    expect(await second.inbox.pending()).toBe(0);
    await second.close();
  });

  it('a resumed event skips the replies it had confirmed and continues with the rest', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-inbox-'));
    dirs.push(dataDir);
    const world = new Platform();
    const first = await boot(dataDir);
    // Dies on the second call: the acknowledgement was confirmed and journaled; its edit into the proposal reached the platform unconfirmed.
    first.attach(new ProcessAdapter(world, 2));
    await first.accept({ kind: 'message', message: message('brighter', 'T2', [TestAdapter.image(await photo())]) });
    await until('the proposal', () => world.edits.length === 1);
    const entry = await first.ctx.store.get<InboxEntry>(keys.inbox('slack:ev-T2'));
    expect(entry?.steps.map((s) => s.kind)).toEqual(['send']);

    const executor = fakeExecutor();
    const second = await createEngine(engineOptions({ env: testEnv(dataDir), blobs: shared, segmentation: fakeSegmentation(), planner: fakePlanner(), suggester: null, executor, catalog, renderOverlay: null, config: { jobs: { progressIntervalMs: 0 } } as never }));
    second.attach(new ProcessAdapter(world));
    await second.recover('slack');
    await second.idle();
    // Still one message; the unconfirmed edit is made again (an edit repeats harmlessly), with the same buttons.
    expect(world.inThread('T2')).toHaveLength(1);
    expect(world.edits.map((e) => e.buttons)).toEqual([world.edits[0]!.buttons, world.edits[0]!.buttons]);
    // The buttons the first attempt showed still work: the second attempt rebuilt the same session and proposal.
    const [button] = world.edits[0]!.buttons;
    await second.deliver({ kind: 'action', action: { platform: 'slack', eventId: 'click-1', thread: message('', 'T2').thread, user: { id: 'U1' }, actionId: button! } });
    await second.idle();
    expect(executor.log).toHaveLength(1);
    await second.close();
  });

  it('a re-delivery of an event that is still unfinished, or finished, is dropped', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-inbox-'));
    dirs.push(dataDir);
    const world = new Platform();
    const first = await boot(dataDir);
    first.attach(new ProcessAdapter(world, 1));
    const ev = { kind: 'message' as const, message: message('hello', 'T3') };
    await first.accept(ev);
    await until('the answer', () => world.posts.length === 1);
    const second = await boot(dataDir);
    second.attach(new ProcessAdapter(world));
    await second.deliver(ev);
    await second.recover('slack');
    await second.idle();
    await second.deliver(ev);
    await second.idle();
    expect(world.inThread('T3')).toHaveLength(1);
    await second.close();
  });

  it('an event older than inbox.maxAgeSeconds at the restart gets "send it again", once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-inbox-'));
    dirs.push(dataDir);
    const world = new Platform();
    const first = await boot(dataDir);
    first.attach(new ProcessAdapter(world, 0));
    await first.accept({ kind: 'message', message: message('brighter', 'T4') });
    await first.ctx.store.update<InboxEntry>(keys.inbox('slack:ev-T4'), (e) => e && { ...e, receivedAt: Date.now() - 2 * 3600_000 });

    const second = await boot(dataDir);
    second.attach(new ProcessAdapter(world));
    await second.recover('slack');
    await second.idle();
    expect(world.inThread('T4').map((p) => p.text)).toEqual([expect.stringMatching(/restarted before I could answer that\. Please send it again/)]);
    await second.close();
  });
});

describe.skipIf(!hasRedis)('the durable inbox on Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("another instance takes over an event once its owner's lease has lapsed", async () => {
    const world = new Platform();
    const open = () => openStore({ dataDir: '/nonexistent', redisUrl: redis.url, namespace: 'lease', onUnavailable: 'fail' });
    const a = await boot('/nonexistent', { inbox: { leaseMs: 300 } }, await open());
    a.attach(new ProcessAdapter(world, 0));
    const b = await boot('/nonexistent', { inbox: { leaseMs: 300 } }, await open());
    b.attach(new ProcessAdapter(world));
    await b.recover('slack');
    // A accepts and freezes (its calls never return, and it stops renewing: a crash).
    await a.accept({ kind: 'message', message: message('hello', 'L1') });
    (a as unknown as { leaseTimer?: NodeJS.Timeout }).leaseTimer && clearInterval((a as unknown as { leaseTimer: NodeJS.Timeout }).leaseTimer);
    await until('B answers', () => world.inThread('L1').length === 1);
    await b.idle();
    expect(world.inThread('L1').map((p) => p.text)).toEqual([expect.stringMatching(/send a photo first/)]);
    await b.close();
  });
});
