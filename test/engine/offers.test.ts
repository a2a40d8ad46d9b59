import { describe, expect, it } from 'vitest';
import type { Capabilities, PartsState } from '../../src/core/availability.js';
import type { Suggester } from '../../src/engine/deps.js';
import type { Reply } from '../../src/engine/types.js';
import { TestAdapter } from '../support/test-adapter.js';
import { UserFacingError } from '../../src/util/errors.js';
import { testLanguage } from '../helpers/config.js';
import { createEngine, memoryStore, MemoryBlobStore } from '../../src/engine/index.js';
import { fakeExecutor, fakePlanner, fakeSegmentation, makeEngine, photo, realEngineOptions, testEnv } from './fakes.js';

/**
 * Issue 16, "Propose only what can run now": every rule of what a proposal offers, with the
 * engine's real presentation and the real command catalogue over instant fakes.
 */

const READY: PartsState = { state: 'ready', model: 'm', via: 'local' };

/** An availability source a test can change (a download that progresses, then ends). */
function availability(initial: Partial<Capabilities> = {}) {
  let caps: Capabilities = { parts: READY, generator: false, inpaint: false, ...initial };
  const listeners = new Set<(c: Capabilities) => void>();
  return {
    current: () => caps,
    subscribe(listener: (c: Capabilities) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    set(next: Partial<Capabilities>) {
      caps = { ...caps, ...next };
      for (const l of listeners) l(caps);
    },
  };
}

const catalog = testLanguage();
const labels = (r: Reply | undefined) => r?.buttons?.flat().map((b) => b.label) ?? [];
const text = (r: Reply | undefined) => [r?.text ?? '', ...(r?.fields ?? []).map((f) => `${f.label}: ${f.value}`)].join('\n');
const generative = (label: string) => /^(Change|Face|Beautify|Swap face|修改|面部|美化|换脸)/.test(label);

async function engineWith(caps: Partial<Capabilities>, over: Parameters<typeof makeEngine>[0] = {}) {
  const source = availability(caps);
  const made = await makeEngine({ catalog, availability: source, ...over });
  return { ...made, source };
}

describe('what a proposal offers', () => {
  it('without a generator, no proposal or suggestion holds a generative command; the wish gets a labelled local equivalent', async () => {
    const suggester: Suggester = {
      async suggest(req) {
        // A suggester that ignores `generator` (a vision model): the engine still offers only what runs.
        expect(req.generator).toBe(false);
        return [
          { command: { command: 'change', args: { labels: ['Background'], prompt: 'sunny beach' } }, sentence: 'A sunny beach.' },
          { command: { command: 'face', args: { prompt: 'natural smile' } }, sentence: 'A smile.' },
          { command: { command: 'adjust', args: { labels: ['*'], brightness: 15, contrast: 0, saturation: 0 } }, sentence: 'Brighter.' },
        ];
      },
    };
    const { engine } = await engineWith({ generator: false }, { suggester });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'change the background to beach', images: [await photo()] });
    const proposal = chat.last('T1')!.reply;
    expect(labels(proposal).filter(generative)).toEqual([]);
    expect(labels(proposal)).toContain('Blur background → strength +30');
    expect(text(proposal)).toMatch(/Instead: No image generator here, so instead of “Change background → beach”: Blur background/);

    await chat.post({ images: [await photo()], thread: 'T2' });
    const ideas = chat.last('T2')!.reply;
    expect(ideas.kind).toBe('proposal');
    expect(labels(ideas).filter(generative)).toEqual([]);
    expect(text(ideas)).not.toMatch(/sunny beach|smile/);
  });

  it('says before any click what a face edit needs, with the fix on the operator page and a plain sentence in chats', async () => {
    const planner = fakePlanner();
    const original = planner.plan.bind(planner);
    planner.plan = async (req) => ({ ...(await original(req)), commands: [{ command: 'face', args: { prompt: 'natural smile' } }] });
    for (const [platform, fix] of [['web', /Fix: set SD_WEBUI_URL/], ['slack', /^(?![\s\S]*SD_WEBUI_URL)[\s\S]*no image generator/]] as const) {
      const { engine } = await engineWith({ generator: false }, { planner });
      const chat = new TestAdapter(engine, { platform });
      await chat.post({ text: 'smile', images: [await photo()] });
      const reply = chat.last('T1')!.reply;
      expect(reply.text).toMatch(/I understood “smile”, but cannot do it here/);
      expect(reply.text).not.toMatch(/could not turn/);
      expect(text(reply)).toMatch(/Not possible here: “Face → natural smile”/);
      expect(text(reply)).toMatch(fix);
      expect(labels(reply)).toEqual(['Suggest edits']);
    }
  });

  it('proposes Swap face only with a second photo; without one it asks for it', async () => {
    const { engine, executor } = await engineWith({ generator: true });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'swap', images: [await photo()] });
    const alone = chat.last('T1')!.reply;
    expect(labels(alone)).not.toContain('Swap face');
    expect(text(alone)).toMatch(/“Swap face” needs the face to use: send two photos in one message/);

    await chat.post({ text: 'swap', images: [await photo(), await photo('#cc6633')], thread: 'T2' });
    expect(labels(chat.last('T2')!.reply)).toContain('Swap face');
    await chat.click('Swap face', { thread: 'T2' });
    await chat.waitUntilIdle();
    expect(executor.log.at(-1)!.faceSource).toBe(true);
  });

  it('shows "Retry with new seed" only for generative jobs', async () => {
    const { engine } = await engineWith({ generator: true });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background to beach', images: [await photo()] });
    await chat.click('Change background → beach');
    await chat.waitUntilIdle();
    expect(labels(chat.last('T1')!.reply)).toContain('Retry with new seed');

    await chat.post({ text: 'brighter', images: [await photo()], thread: 'T2' });
    await chat.click(/^Adjust/, { thread: 'T2' });
    await chat.waitUntilIdle();
    expect(labels(chat.last('T2')!.reply)).not.toContain('Retry with new seed');

    const failing = await engineWith({ generator: true }, { executor: fakeExecutor({ failTimes: 1 }) });
    const chat2 = new TestAdapter(failing.engine);
    await chat2.post({ text: 'background to beach', images: [await photo()] });
    await chat2.click('Change background → beach');
    await chat2.waitUntilIdle();
    const failed = chat2.last('T1')!.reply;
    expect(labels(failed)).toEqual(['Retry with new seed']);
    expect(failed.text).toMatch(/Press “Retry with new seed” to try again\.$/);
  });

  it('offers Undo only once an edit exists', async () => {
    const { engine } = await engineWith({});
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    expect(labels(chat.last('T1')!.reply)).not.toContain('Undo');
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(labels(chat.last('T1')!.reply)).toContain('Undo');
    await chat.post({ text: 'darker' });
    expect(labels(chat.last('T1')!.reply)).toContain('Undo');
  });

  it('describes exactly the buttons shown: one edit never mentions "Run all" or "Run selected"', async () => {
    const { engine } = await engineWith({});
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    const one = chat.last('T1')!.reply;
    expect(one.text).toBe('Here is what I understood. Press the button to run it.');
    expect(labels(one)).not.toContain('Run all');
    expect(one.select).toBeUndefined();
    await chat.post({ text: 'brighter, shirt red', images: [await photo()], thread: 'T2' });
    const two = chat.last('T2')!.reply;
    expect(two.text).toMatch(/“Run all”.*“Run selected”/);
    expect(labels(two)).toEqual(expect.arrayContaining(['Run all', 'Run selected']));
  });
});

describe('part edits while the parts model downloads', () => {
  it('are answered as queued with the download’s progress, run by themselves when it is ready, and never claim the words were not understood', async () => {
    const { engine, executor, source } = await engineWith({ parts: { state: 'downloading', model: 'm', received: 45, total: 100 } });
    const chat = new TestAdapter(engine, { platform: 'slack' });
    await chat.post({ text: 'make the shirt red', images: [await photo()] });
    await until(() => /Queued/.test(chat.last('T1')?.reply.text ?? ''));
    const queued = chat.last('T1')!.reply;
    expect(queued.text).toBe('Queued: Recolour top → #ff0000.\nGetting ready: downloading the parts model (45 %)… It runs by itself as soon as the model is ready.');
    expect(queued.progress).toMatchObject({ state: 'queued', fraction: 0.45 });
    expect(labels(queued)).toEqual(['Cancel']);
    expect(executor.started).toBe(0);

    source.set({ parts: { state: 'downloading', model: 'm', received: 80, total: 100 } });
    await until(() => /80 %/.test(chat.last('T1')!.reply.text));
    source.set({ parts: READY });
    await chat.waitUntilIdle();
    const result = chat.last('T1')!.reply;
    expect(result.kind).toBe('result');
    expect(executor.log[0]!.commands.map((c) => c.command)).toEqual(['recolor']);
    expect(chat.messageCount('T1')).toBe(1);
    for (const r of chat.replies('T1')) expect(r.reply.text).not.toMatch(/could not turn|not understood/i);
  });

  it('can be cancelled while they wait', async () => {
    const { engine, executor } = await engineWith({ parts: { state: 'downloading', model: 'm', received: 1, total: 100 } });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'make the shirt red', images: [await photo()] });
    await until(() => /Queued/.test(chat.last('T1')?.reply.text ?? ''));
    await chat.click('Cancel');
    await chat.waitUntilIdle();
    expect(chat.last('T1')!.reply.text).toMatch(/^Cancelled/);
    expect(executor.started).toBe(0);
  });

  it('say once, in one sentence, why part edits cannot run when the model is missing; whole-photo edits are offered', async () => {
    const parts: PartsState = { state: 'offline', model: 'm', host: 'huggingface.co', detail: 'ENOTFOUND' };
    const { engine } = await engineWith({ parts });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'make the shirt red, brighter', images: [await photo()] });
    const reply = chat.last('T1')!.reply;
    expect(labels(reply)).toEqual(['Adjust whole photo → brightness +20', 'Suggest edits', 'Cancel']);
    const all = text(reply);
    expect(all).toMatch(/“Recolour top → #ff0000”: The parts model m could not be downloaded: huggingface\.co is unreachable \(ENOTFOUND\).*Fix: set HF_ENDPOINT/);
    expect(all.match(/Fix:/g)).toHaveLength(1);
    expect(all).not.toMatch(/Whole-photo edits still work[\s\S]*Whole-photo edits still work/);
  });
});

describe('who reads what', () => {
  it('people in chats never see an operator command, whatever the segmenter says; the playground does', async () => {
    const broken = { labels: ['Background', 'Upper-clothes'], segment: async () => Promise.reject(new UserFacingError('segment.model_load_failed', { model: 'm', detail: 'bad file' })) };
    for (const platform of ['slack', 'feishu', 'discord', 'web'] as const) {
      const { engine } = await engineWith({}, { segmentation: broken });
      const chat = new TestAdapter(engine, { platform });
      await chat.post({ text: 'make the shirt red, brighter', images: [await photo()] });
      const all = chat.replies('T1').map((r) => text(r.reply)).join('\n');
      if (platform === 'web') expect(all).toMatch(/`chat-image-editor models fetch m`/);
      else {
        expect(all).toMatch(/Edits of single parts \(hair, clothes, background…\) are not available on this bot right now/);
        expect(all).not.toMatch(/chat-image-editor|SEGMENT|HF_ENDPOINT|SD_WEBUI|`/);
      }
    }
  });
});

describe('who reads a failure', () => {
  it('a model’s own failure (naming an operator command) reaches people as a plain sentence, the playground as it is', async () => {
    for (const platform of ['feishu', 'web'] as const) {
      const executor = fakeExecutor();
      executor.execute = async () => Promise.reject(new UserFacingError('inpaint.unavailable', { model: 'migan', path: '/data/models/migan.onnx' }));
      const { engine } = await engineWith({}, { executor });
      const chat = new TestAdapter(engine, { platform });
      await chat.post({ text: 'brighter', images: [await photo()] });
      await chat.click(/^Adjust/);
      await chat.waitUntilIdle();
      const failed = chat.last('T1')!.reply.text;
      if (platform === 'web') expect(failed).toMatch(/chat-image-editor models fetch migan/);
      else expect(failed).toMatch(/^Removing objects is not available on this bot right now; the person who runs it can turn it on\.\nPress “Try again”/);
    }
  });
});

describe('a long instruction', () => {
  it('makes every clause of a 5,000-character instruction a command or lists it as not understood', async () => {
    const engine = await createEngine(
      realEngineOptions({ env: testEnv('/nonexistent-first-run'), store: memoryStore(), blobs: new MemoryBlobStore(), segmentation: fakeSegmentation(), config: { jobs: { progressIntervalMs: 0 } } as never }),
    );
    const chat = new TestAdapter(engine);
    const clauses = ['make the shirt red', 'blur the background', 'asdf qwer zxcv', 'make the whole photo brighter', 'turn the background black and white', 'xyzzy plugh'];
    let instruction = '';
    for (let i = 0; instruction.length < 5000; i++) instruction += `${clauses[i % clauses.length]}${i % 2 ? '。' : ', then '}`;
    await chat.post({ text: instruction, images: [await photo()] });
    const reply = chat.last('T1')!.reply;
    expect(labels(reply)).toEqual(expect.arrayContaining(['Recolour top → #ff0000', 'Blur background → strength +30', 'Adjust whole photo → brightness +25', 'Black & white background']));
    const notUnderstood = reply.fields!.find((f) => f.label === 'Not understood')!.value;
    expect(notUnderstood).toMatch(/asdf qwer zxcv/);
    expect(notUnderstood).toMatch(/xyzzy plugh/);
    // Each clause once, however often it was repeated.
    expect(notUnderstood.match(/asdf qwer zxcv/g)).toHaveLength(1);
    expect(notUnderstood.length).toBeLessThanOrEqual(1024);
    await engine.close();
  });
});

describe('language', () => {
  it('answers a Chinese instruction in Chinese on an English page, with part, command and parameter names in Chinese', async () => {
    const { engine } = await engineWith({});
    const chat = new TestAdapter(engine);
    await chat.post({ text: '背景 white，亮', images: [await photo()], locale: 'en' });
    const reply = chat.last('T1')!.reply;
    expect(reply.locale).toBe('zh-CN');
    expect(labels(reply)).toEqual(expect.arrayContaining(['调整 整张照片 → 亮度 +20']));
    const words = text(reply).replace(/#[0-9a-f]{6}/gi, '');
    expect(words).not.toMatch(/[A-Za-z]{2,}/);
  });
});

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
