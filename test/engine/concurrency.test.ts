import { describe, expect, it } from 'vitest';
import { TestAdapter } from '../support/test-adapter.js';
import { fakeExecutor, makeEngine, photo } from './fakes.js';

describe('many threads at once', () => {
  it('200 concurrent threads with a slow backend: every message and every click gets exactly one answer', async () => {
    const executor = fakeExecutor({ delayMs: 15 });
    const { engine } = await makeEngine({
      executor,
      config: { jobs: { concurrency: { default: 4, local: 4 }, progressIntervalMs: 0, perUserPerMinute: 1000, maxQueuedPerUser: 1000 } } as never,
    });
    const chat = new TestAdapter(engine);
    const image = await photo('#404040', 32, 24);
    const threads = Array.from({ length: 200 }, (_, i) => `T${i}`);
    await Promise.all(threads.map((thread, i) => chat.post({ text: 'brighter', images: [image], thread, user: { id: `U${i % 37}` } })));
    await Promise.all(threads.map((thread, i) => chat.click(/^Adjust/, { thread, user: { id: `U${i % 37}` } })));
    await chat.waitUntilIdle();

    expect(executor.log).toHaveLength(200);
    for (const thread of threads) {
      // One message per request: acknowledgement → proposal → progress → result.
      const sent = chat.replies(thread, { type: 'send' });
      expect(sent.map((r) => r.reply.kind)).toEqual(['ack']);
      const jobMessage = chat.threadMessages(thread)[0]!;
      expect(jobMessage.reply.kind).toBe('result');
      expect(jobMessage.edits.map((e) => e.kind).filter((k, i, all) => k !== all[i - 1])).toEqual(['proposal', 'progress', 'result']);
      // Results never land twice and never in another thread.
      expect(jobMessage.edits.filter((e) => e.kind === 'result')).toHaveLength(1);
      expect(chat.replies(thread, { type: 'ephemeral' })).toHaveLength(0);
    }
    // Somebody had to wait: the queue position was shown by editing the job's message.
    expect(chat.log.some((r) => r.reply.progress?.state === 'queued' && (r.reply.progress.position ?? 0) > 1)).toBe(true);
  });

  it('takes turns between users instead of first come, first served', async () => {
    let open!: () => void;
    const executor = fakeExecutor({ gate: new Promise<void>((r) => (open = r)) });
    const { engine } = await makeEngine({ executor, config: { jobs: { concurrency: { default: 1, local: 1 }, progressIntervalMs: 0 } } as never });
    const chat = new TestAdapter(engine);
    const alice = { id: 'alice', name: 'alice' };
    const bob = { id: 'bob', name: 'bob' };
    await chat.post({ text: 'brighter, darker', images: [await photo()], thread: 'A', user: alice });
    await chat.post({ text: 'brighter', images: [await photo()], thread: 'B', user: bob });
    // Alice queues three jobs before Bob queues one (from the proposal as it was shown: the first
    // click turns its message into the job's, the others answer in messages of their own).
    const shown = ['A', 'A', 'A'].map((_, i) => chat.findButton([/brightness \+20/, /brightness -20/, 'Run all'][i]!, 'A')!);
    for (const b of shown) await chat.clickId(b.button.id, { thread: 'A', user: alice, message: b.message.ref });
    await chat.click(/^Adjust/, { thread: 'B', user: bob });
    // While Alice's first job runs, Bob is next in line although he asked last
    // (position edits are posted asynchronously: let them land).
    await new Promise((r) => setTimeout(r, 20));
    const bobsJob = chat.threadMessages('B').find((m) => m.reply.kind === 'progress')!;
    expect(bobsJob.reply.progress).toMatchObject({ state: 'queued', position: 1 });
    const alicesLast = chat.threadMessages('A').filter((m) => m.reply.kind === 'progress').at(-1)!;
    expect(alicesLast.reply.progress).toMatchObject({ state: 'queued', position: 3 });
    open();
    await chat.waitUntilIdle();
    const order = executor.log.map((l) => (l.commands.length === 2 ? 'A-all' : l.commands[0]!.args.brightness === -20 ? 'A-dark' : 'bright'));
    expect(order).toEqual(['bright', 'bright', 'A-dark', 'A-all']);
    expect(chat.threadMessages('B').at(-1)!.reply.kind).toBe('result');
  });

  it('limits how many jobs one user can queue and says so', async () => {
    const executor = fakeExecutor({ delayMs: 20 });
    const { engine } = await makeEngine({ executor, config: { jobs: { maxQueuedPerUser: 1, progressIntervalMs: 0 } } as never });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter, darker', images: [await photo()] });
    const darker = chat.findButton(/brightness -20/)!;
    await chat.click(/brightness \+20/);
    await chat.clickId(darker.button.id, { message: darker.message.ref });
    const refusal = chat.last('T1', { type: 'ephemeral' })!;
    expect(refusal.reply.text).toMatch(/already have 1 edits/);
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(1);
    // The refused button was not used up: pressing it again later works.
    await chat.clickId(darker.button.id, { message: darker.message.ref });
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(2);
  });

  it('limits how many jobs one user can start per minute and says how long to wait', async () => {
    const { engine, executor } = await makeEngine({ config: { jobs: { perUserPerMinute: 2, progressIntervalMs: 0 } } as never });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter, darker, background to beach', images: [await photo()] });
    const shown = [/brightness \+20/, /brightness -20/, /^Change background/].map((label) => chat.findButton(label)!);
    for (const b of shown) await chat.clickId(b.button.id, { message: b.message.ref });
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(2);
    expect(chat.last('T1', { type: 'ephemeral' })!.reply.text).toMatch(/Please wait \d+ s before starting another edit/);
  });
});
