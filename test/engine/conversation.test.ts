import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { TestAdapter } from '../support/test-adapter.js';
import { fakeExecutor, fakeSegmentation, makeEngine, meanColor, photo } from './fakes.js';
import { MemoryBlobStore, StateStore, memoryStore } from '../../src/engine/index.js';

describe('a conversation through the test adapter', () => {
  it('answers a photo with an instruction at once, then proposes one button per command', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'change the background to beach, make the shirt white', images: [await photo()] });

    const [ack, proposal] = chat.replies('T1');
    expect(ack!.reply.kind).toBe('ack');
    expect(ack!.reply.text).toMatch(/looking at your photo/);
    expect(proposal!.reply.kind).toBe('proposal');
    const labels = proposal!.reply.buttons!.flat().map((b) => b.label);
    expect(labels).toEqual(expect.arrayContaining(['Change background → beach', 'Recolour upper-clothes → #ffffff', 'Run all', 'Run selected', 'Suggest edits', 'Cancel']));
    // Nothing to undo yet: no Undo on a fresh proposal.
    expect(labels).not.toContain('Undo');
    expect(proposal!.reply.select?.options.map((o) => o.label)).toEqual(['Change background → beach', 'Recolour upper-clothes → #ffffff']);
    expect(proposal!.reply.fields?.[0]?.value).toMatch(/Background \d+%.*Face/);
    for (const b of proposal!.reply.buttons!.flat()) {
      expect(b.id.length).toBeLessThanOrEqual(64);
      expect(b.id).toMatch(/^ce1\.[A-Za-z0-9_-]{16,}\./);
    }
  });

  it('runs a clicked command and answers with the edited photo and follow-up buttons, all in the one message of the request', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    const original = await photo('#404040');
    await chat.post({ text: 'make it brighter', images: [original] });
    await chat.click('Adjust whole photo → brightness +20');
    await chat.waitUntilIdle();

    expect(executor.log).toHaveLength(1);
    // One message: the acknowledgement became the proposal, the click turned it into the job.
    expect(chat.messageCount('T1')).toBe(1);
    const [message] = chat.threadMessages('T1');
    expect([message!.reply.kind === 'result', ...message!.edits.map((e) => e.kind)]).toEqual([true, 'proposal', 'progress', 'progress', 'result']);
    // While it runs, the chosen action stays visible (disabled) with Cancel; the proposal's other controls are gone.
    const running = message!.edits.find((e) => e.kind === 'progress')!;
    expect(running.buttons!.flat().map((b) => [b.label, Boolean(b.disabled)])).toEqual([
      ['✓ Adjust whole photo → brightness +20', true],
      ['Cancel', false],
    ]);
    expect(running.select).toBeUndefined();
    const image = message!.reply.images![0]!;
    expect(image.mimeType).toBe('image/png');
    expect(await meanColor(image.data)).toEqual([84, 84, 84]);
    // A local edit gives the same bytes again: no "Retry with new seed" under its result.
    expect(message!.reply.buttons!.flat().map((b) => b.label)).toEqual(['Undo', 'Continue from this', 'Suggest edits']);
  });

  it('a second job from a proposal already taken over (a racing click) gets a message of its own', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter, darker', images: [await photo('#404040')] });
    const brighter = chat.findButton(/brightness \+20/)!;
    const darker = chat.findButton(/brightness -20/)!;
    await chat.clickId(brighter.button.id, { message: brighter.message.ref });
    await chat.clickId(darker.button.id, { message: darker.message.ref });
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(2);
    const results = chat.threadMessages('T1').filter((m) => m.reply.kind === 'result');
    expect(results).toHaveLength(2);
    expect(results[0]!.ref.id).toBe(brighter.message.ref.id);
  });

  it('a click on a proposal that is refused (shutting down, over a limit) leaves the proposal as it was', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await engine.drain(100);
    await chat.click(/^Adjust/);
    expect(chat.last('T1')!.type).toBe('ephemeral');
    const [message] = chat.threadMessages('T1');
    expect(message!.reply.kind).toBe('proposal');
  });

  it('keeps editing the latest result across turns, with undo and redo', async () => {
    const { engine, executor, planner } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    await chat.post({ text: 'brighter again' });
    expect(planner.requests[1]!.history).toBe(2);
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(executor.log.map((l) => l.inputMean[0])).toEqual([64, 84]);

    await chat.click('Undo');
    const undone = chat.last('T1')!.reply;
    expect(undone.text).toMatch(/back one step/);
    expect(await meanColor(undone.images![0]!.data)).toEqual([84, 84, 84]);
    await chat.click('Redo');
    expect(await meanColor(chat.last('T1')!.reply.images![0]!.data)).toEqual([104, 104, 104]);
    await chat.click('Undo');
    await chat.click('Undo');
    expect(await meanColor(chat.last('T1')!.reply.images![0]!.data)).toEqual([64, 64, 64]);
    await chat.click('Undo');
    expect(chat.last('T1')!.reply.text).toBe('There is nothing to undo.');

    await chat.post({ text: 'darker' });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(executor.log.at(-1)!.inputMean[0]).toBe(64);
  });

  it('"Continue from this" makes an earlier result the base again', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const first = chat.findButton('Continue from this')!;
    await chat.post({ text: 'brighter' });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    await chat.clickId(first.button.id, { message: first.message.ref });
    expect(chat.last('T1')!.reply.text).toMatch(/start from this result/);
    await chat.post({ text: 'darker' });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(executor.log.map((l) => l.inputMean[0])).toEqual([64, 84, 84]);
  });

  it('runs a double click once and refuses the second politely', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    const { button } = chat.findButton(/^Adjust/)!;
    await Promise.all([chat.clickId(button.id), chat.clickId(button.id)]);
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(1);
    const eph = chat.replies('T1', { type: 'ephemeral' });
    expect(eph).toHaveLength(1);
    expect(eph[0]!.reply.text).toMatch(/already pressed/);
  });

  it('refuses a click by someone other than the thread owner, and lets anyone act when configured', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()], user: { id: 'U1', name: 'alice' } });
    await chat.click(/^Adjust/, { user: { id: 'U2', name: 'bob' } });
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(0);
    const refusal = chat.last('T1')!;
    expect(refusal.type).toBe('ephemeral');
    expect(refusal.user!.id).toBe('U2');
    expect(refusal.reply.text).toMatch(/belong to alice/);

    const open = await makeEngine({ config: { actionPolicy: 'channel', jobs: { progressIntervalMs: 0 } } as never });
    const chat2 = new TestAdapter(open.engine);
    await chat2.post({ text: 'brighter', images: [await photo()], user: { id: 'U1', name: 'alice' } });
    await chat2.click(/^Adjust/, { user: { id: 'U2', name: 'bob' } });
    await chat2.waitUntilIdle();
    expect(open.executor.log).toHaveLength(1);
  });

  it('drops a re-delivered event', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    const msg = chat.makeMessage({ text: 'brighter', images: [await photo()], eventId: 'evt-1' });
    await Promise.all([engine.deliver({ kind: 'message', message: msg }), engine.deliver({ kind: 'message', message: msg })]);
    await engine.deliver({ kind: 'message', message: msg });
    expect(chat.replies('T1', { kind: 'ack' })).toHaveLength(1);
    expect(chat.replies('T1', { kind: 'proposal' })).toHaveLength(1);
  });

  it('answers a photo without words with suggestions as buttons', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ images: [await photo()] });
    const proposal = chat.last('T1')!.reply;
    expect(proposal.kind).toBe('proposal');
    expect(proposal.text).toMatch(/ideas/);
    expect(proposal.fields!.map((f) => f.value).join('\n')).toMatch(/a little dark/);
    expect(proposal.buttons!.flat().map((b) => b.label)).toContain('Change background → sunset');
  });

  it('asks a clarifying question, with examples, when nothing valid comes out', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'do the thing', images: [await photo()] });
    const reply = chat.last('T1')!.reply;
    expect(reply.text).toMatch(/could not turn “do the thing” into an edit/);
    expect(reply.text).toMatch(/change the background to a beach/);
    expect(reply.buttons!.flat().map((b) => b.label)).toEqual(['Suggest edits']);
    expect(executor.log).toHaveLength(0);
  });

  it('says what is wrong with a file that is not a photo', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [TestAdapter.image(Buffer.from('%PDF-1.4 not an image'), { name: 'doc.png', mimeType: 'image/png' })] });
    const reply = chat.last('T1')!.reply;
    expect(reply.kind).toBe('error');
    expect(reply.text).toMatch(/not an image I can read/);

    await chat.post({ text: 'brighter', thread: 'T4', images: [{ id: 'not-on-the-platform-any-more' }] });
    expect(chat.last('T4')!.reply.text).toBe('I could not download your photo. Please send it again.');

    await chat.post({ text: 'hi', thread: 'T2', otherFiles: ['notes.pdf'] });
    expect(chat.last('T2')!.reply.text).toMatch(/only edit photos.*notes\.pdf/);

    await chat.post({ text: 'brighter', thread: 'T3', images: [TestAdapter.image(await photo(), { mimeType: 'image/png' })].map((i) => ({ ...i, size: 10 ** 9 })) });
    expect(chat.last('T3')!.reply.text).toMatch(/limit is 50\.0 MB/);
  });

  it('asks for a photo when text arrives in a thread without one', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'make it brighter' });
    expect(chat.replies('T1')).toHaveLength(1);
    expect(chat.last('T1')!.reply.text).toMatch(/send a photo first/);
    expect(await engine.isActive(chat.thread('T1'))).toBe(false);
  });

  it('reports a backend failure with a Retry button that works', async () => {
    const executor = fakeExecutor({ failTimes: 1 });
    const { engine } = await makeEngine({ executor });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const failed = chat.last('T1')!.reply;
    expect(failed.kind).toBe('error');
    expect(failed.text).toMatch(/edit failed/);
    // A local edit is tried again as it was; the text names the button it shows.
    expect(failed.buttons!.flat().map((b) => b.label)).toEqual(['Try again']);
    expect(failed.text).toMatch(/Press “Try again” to try again\.$/);
    await chat.click('Try again');
    await chat.waitUntilIdle();
    expect(chat.last('T1')!.reply.kind).toBe('result');
    expect(executor.log[1]!.seed).toEqual(expect.any(Number));
  });

  it('keeps whole-photo edits working without segmentation and explains part edits', async () => {
    const { engine, executor } = await makeEngine({ segmentation: fakeSegmentation({ fail: true }) });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background to beach, brighter', images: [await photo()] });
    const proposal = chat.last('T1')!.reply;
    const notes = proposal.fields!.map((f) => f.value).join('\n');
    expect(notes).toMatch(/cannot find the parts/);
    expect(notes).toMatch(/Change background → beach/);
    expect(proposal.buttons!.flat().map((b) => b.label)).not.toContain('Change background → beach');
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(1);
    expect(chat.last('T1')!.reply.kind).toBe('result');
  });

  it('uses a second photo in the message as the face source', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'swap the face', images: [await photo(), await photo('#aa0000')] });
    expect(chat.last('T1')!.reply.fields!.map((f) => f.value).join()).toMatch(/second photo/);
    await chat.click('Swap face');
    await chat.waitUntilIdle();
    expect(executor.log[0]!.faceSource).toBe(true);
  });

  it('runs only the commands picked in the multi-select', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background to beach, brighter, shirt red', images: [await photo()] });
    await chat.click('Run selected');
    expect(chat.last('T1')!.reply.text).toMatch(/Choose one or more edits/);
    await chat.select(['Change background → beach', 'Recolour upper-clothes → #ff0000']);
    await chat.click('Run selected');
    await chat.waitUntilIdle();
    expect(executor.log).toHaveLength(1);
    expect(executor.log[0]!.commands.map((c) => c.command)).toEqual(['change', 'recolor']);
  });

  it('speaks Chinese to a Chinese instruction', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: '把背景换成海滩', images: [await photo()] });
    const [ack, proposal] = chat.replies('T1');
    expect(ack!.reply.text).toBe('收到，正在查看你的照片…');
    expect(proposal!.reply.locale).toBe('zh-CN');
    expect(proposal!.reply.buttons!.flat().map((b) => b.label)).toEqual(['修改 background → beach', '推荐修改', '取消']);
  });

  it('stops a job that runs too long with a clear message, and can cancel', async () => {
    const executor = fakeExecutor({ hang: true });
    const { engine } = await makeEngine({ executor, config: { jobs: { timeoutSeconds: 1, progressIntervalMs: 0 } } as never });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const reply = chat.last('T1')!.reply;
    expect(reply.text).toMatch(/longer than 1 s/);
    expect(reply.buttons!.flat().map((b) => b.label)).toEqual(['Try again']);

    await chat.click('Try again');
    await chat.click('Cancel');
    await chat.waitUntilIdle();
    expect(chat.last('T1')!.reply.text).toMatch(/^Cancelled/);
  });
});

describe('slash commands and output policy', () => {
  it('settings change the thread language and backend, help and status answer, /undo goes back', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.command('settings', { options: { locale: 'zh-CN', seed: 42 } });
    expect(chat.last('T1')!.reply.text).toMatch(/^本话题的设置：.*locale=zh-CN.*seed=42/);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    expect(chat.replies('T1', { kind: 'ack' })[0]!.reply.text).toBe('收到，正在查看你的照片…');
    await chat.click(/^调整/);
    await chat.waitUntilIdle();
    expect(executor.log[0]!.seed).toBe(42);
    await chat.command('status');
    expect(chat.last('T1')!.reply.text).toMatch(/^队列：0 个等待，0 个执行中/);
    await chat.command('undo');
    expect(chat.last('T1')!.reply.text).toMatch(/已撤销一步/);
    expect(await meanColor(chat.last('T1')!.reply.images![0]!.data)).toEqual([64, 64, 64]);
    await chat.command('help', { thread: 'T9' });
    expect(chat.last('T9')!.reply.text).toMatch(/Send a photo with what to change/);
  });

  it('settings given outside a session (e.g. /settings in a Discord channel) reach the user\'s next session', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.command('settings', { thread: 'channel', options: { seed: 7 } });
    // The editing session opens in a new thread, as Discord does for /edit.
    await chat.post({ thread: 'T2', text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(executor.log[0]!.seed).toBe(7);
  });

  it('sends a high-quality JPEG at full resolution when the PNG would not fit the upload limit', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine, { uploadLimit: 60_000 });
    const noise = await sharp(randomBytes(200 * 150 * 3), { raw: { width: 200, height: 150, channels: 3 } }).png().toBuffer();
    expect(noise.length).toBeGreaterThan(60_000);
    await chat.post({ text: 'brighter', images: [noise] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const img = chat.last('T1')!.reply.images![0]!;
    expect(img.mimeType).toBe('image/jpeg');
    expect(img.data.length).toBeLessThanOrEqual(60_000);
    const meta = await sharp(img.data).metadata();
    expect([meta.width, meta.height]).toEqual([200, 150]);
  });
});

describe('thread ownership', () => {
  it('tells adapters a thread is active only for its owner when asked with a user', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()], user: { id: 'U1', name: 'alice' } });
    expect(await engine.isActive(chat.thread('T1'))).toBe(true);
    expect(await engine.isActive(chat.thread('T1'), { id: 'U1' })).toBe(true);
    expect(await engine.isActive(chat.thread('T1'), { id: 'U2' })).toBe(false);
  });
});

describe('operations', () => {
  it('reports health of the store and degrades (never fails) on optional dependencies', async () => {
    const { engine } = await makeEngine({
      segmentation: { labels: [], segment: async () => Promise.reject(new Error('x')), health: async () => ({ name: 'segmenter:test', state: 'down', detail: 'model not installed' }) },
    });
    const checks = await engine.health();
    expect(checks[0]).toMatchObject({ name: 'engine:store:memory', state: 'ok' });
    expect(checks.find((c) => c.name === 'segmenter:test')).toMatchObject({ state: 'degraded', detail: 'model not installed' });
  });

  it('while draining for shutdown, a click is answered and the button keeps working afterwards', async () => {
    const store = memoryStore();
    const blobs = new MemoryBlobStore();
    const { engine, executor } = await makeEngine({ store, blobs });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await engine.drain(100);
    await chat.click(/^Adjust/);
    expect(chat.last('T1')!.reply.text).toMatch(/restarting right now/);
    expect(executor.log).toHaveLength(0);
    await engine.close(100);
    // The click was not used up: the same button works on the next engine (same data).
    const next = await makeEngine({ store: new StateStore(store.keyv, 'memory'), blobs });
    chat.attach(next.engine);
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(next.executor.log).toHaveLength(1);
  });
});
