import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { composeTrust } from '../../src/compose.js';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { SafetySchema } from '../../src/config/schemas/safety.js';
import { createEngine, memoryStore, MemoryBlobStore, type Engine } from '../../src/engine/index.js';
import { closeCheckPool } from '../../src/pipeline/check/index.js';
import { pino } from 'pino';
import { getLogger } from '../../src/util/logger.js';
import { registry } from '../../src/util/metrics.js';
import { ensureBuilt } from '../helpers/build.js';
import { messageText, moderation, moderationInputs, reply, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';
import { startSdWebuiFake, type SdWebuiFake } from '../fakes/sdwebui.js';
import { engineOptions, fakeExecutor, fakePlanner, fakeSegmentation, meanColor, photo, realEngineOptions } from '../support/engine-fakes.js';
import { TestAdapter } from '../support/test-adapter.js';

/**
 * Issue 20 through the engine: the result check after every job (local and vision) with the
 * targeted retry, content safety before planning and before posting, the face swap policy at
 * proposal and click time, and policies per workspace — against the OpenAI and SD WebUI fakes.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-trust-'));
const config = loadConfig();
let openai: OpenAIFake;
let sd: SdWebuiFake;
const engines: Engine[] = [];
const GREY = { r: 128, g: 128, b: 128 };

beforeAll(async () => {
  await ensureBuilt();
  openai = await startOpenAIFake();
  sd = await startSdWebuiFake({ color: GREY });
}, 120_000);
afterAll(async () => {
  await Promise.all([openai.close(), sd.close(), closeCheckPool()]);
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  openai.reset();
  sd.color = GREY;
  sd.img2img.length = 0;
});

/** Moderation by content: "hurt them" is violence; a result photo that is mostly red is sexual. */
function moderateByContent(): void {
  openai.moderate(async (body) => {
    const { texts, images } = moderationInputs(body);
    if (texts.some((x) => x.includes('hurt them'))) return moderation.flagged(['violence']);
    for (const url of images) {
      const [r, g] = await meanColor(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
      if (r! > g! + 30) return moderation.flagged(['sexual']);
    }
    return moderation.clean();
  });
}

interface Setup {
  /** Safety config over the shipped one. */
  safety?: Record<string, unknown>;
  key?: boolean;
  vision?: boolean;
  /** The real executor (local edits, SD WebUI fake) instead of the instant fake. */
  real?: boolean;
  engine?: Record<string, unknown>;
  /** Receives the engine's log lines (JSON). */
  logLines?: string[];
}

async function start(s: Setup = {}): Promise<{ engine: Engine; planner: ReturnType<typeof fakePlanner> }> {
  const env = readEnv({
    DATA_DIR: dataDir,
    SD_WEBUI_URL: sd.url,
    ...(s.key === false ? {} : { OPENAI_API_KEY: 'sk-test-not-a-secret', OPENAI_BASE_URL: openai.baseURL }),
    ...(s.vision ? { VISION_MODEL: 'vision-check-test' } : {}),
  });
  const safety = SafetySchema.parse({ ...config.safety, moderation: { ...config.safety.moderation, maxRetries: 0 }, ...s.safety });
  const trust = composeTrust(env, { ...config, safety, llm: { ...config.llm, profiles: { ...config.llm.profiles, openai: { ...config.llm.profiles.openai!, maxRetries: 0 } } } }, getLogger()).deps;
  const planner = fakePlanner();
  const logger = s.logLines ? pino({ level: 'info' }, { write: (line: string) => void s.logLines!.push(line) }) : undefined;
  const over = { env, store: memoryStore(), blobs: new MemoryBlobStore(), segmentation: fakeSegmentation(), planner, suggester: null, trust, config: { jobs: { progressIntervalMs: 0 }, ...s.engine } as never, ...(logger ? { logger } : {}) };
  const engine = await createEngine(s.real ? realEngineOptions(over) : engineOptions({ ...over, executor: fakeExecutor() }));
  engines.push(engine);
  return { engine, planner };
}

const texts = (chat: TestAdapter, thread = 'T1') => chat.log.filter((r) => r.thread.thread === thread).map((r) => [r.reply.text, ...(r.reply.fields ?? []).map((f) => f.value)].join('\n'));
const labels = (chat: TestAdapter, thread = 'T1') => chat.threadMessages(thread)[0]!.reply.buttons!.flat().map((b) => b.label);
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name) as { values: { labels: Record<string, string>; value: number }[] } | undefined;
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

describe('result check after every job', () => {
  it('a job that changes nothing in its region is reported as such, not as "Done", and the photo stays', async () => {
    const { engine } = await start({ real: true });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background beach', images: [await photo('#808080', 60, 45)] });
    await chat.click(/^Change background/);
    await chat.waitUntilIdle();
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.kind, shown.text).toBe('error');
    expect(shown.text).toMatch(/^The edit ran, but it did not show up in the photo, so the photo was not changed\.\nChange background → beach: nothing visibly changed\.\nPress “Retry with new seed” to try again\.$/);
    expect(shown.buttons!.flat().map((b) => b.label)).toEqual(['Retry with new seed', 'Retry stronger: Change background → beach']);
    // No revision was made: there is nothing to undo, so the next proposal offers no Undo.
    await chat.post({ text: 'brighter' });
    expect(chat.last('T1')!.reply.kind).toBe('proposal');
    expect(chat.last('T1')!.reply.buttons!.flat().map((b) => b.label)).not.toContain('Undo');
  });

  it('failed checks are shown on the result with a targeted retry that re-runs only that command, stronger, on the result', async () => {
    const { engine } = await start({ real: true });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background beach, shirt white', images: [await photo('#808080', 60, 45)] });
    await chat.click('Run all');
    await chat.waitUntilIdle();
    const result = chat.threadMessages('T1')[0]!.reply;
    expect(result.kind, result.text).toBe('result');
    expect(result.fields).toContainEqual({ label: 'Did not show up', value: 'Change background → beach: nothing visibly changed.' });
    const first = await sharp(result.images![0]!.data).raw().toBuffer({ resolveWithObject: true });
    const shirt = [...first.data.subarray((42 * first.info.width + 30) * first.info.channels, (42 * first.info.width + 30) * first.info.channels + 3)];
    // The shirt was recoloured towards white (lighter than the grey photo).
    expect(shirt[0]!).toBeGreaterThan(200);
    expect(labels(chat)).toContain('Retry stronger: Change background → beach');
    expect(sd.img2img).toHaveLength(1);
    expect(sd.img2img[0]).toMatchObject({ denoising_strength: 0.75, cfg_scale: 7 });

    sd.color = { r: 40, g: 90, b: 220 };
    await chat.click('Retry stronger: Change background → beach');
    await chat.waitUntilIdle();
    // Only the background command ran again, with a new seed, more denoising and a higher CFG.
    expect(sd.img2img).toHaveLength(2);
    expect(sd.img2img[1]).toMatchObject({ denoising_strength: 0.9, cfg_scale: 8.5 });
    expect(sd.img2img[1]!.seed).not.toBe(-1);
    const again = chat.threadMessages('T1')[0]!.reply;
    expect(again.kind, again.text).toBe('result');
    expect(again.text).toBe('Done: Change background → beach.');
    expect(again.fields ?? []).not.toContainEqual(expect.objectContaining({ label: 'Did not show up' }));
    // Built on the first result: the shirt (bottom third) stays as it was, the background is now blue.
    const { data, info } = await sharp(again.images![0]!.data).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(px(30, 42)).toEqual(shirt);
    expect(px(30, 3)[2]).toBeGreaterThan(180);
    expect(chat.messageCount('T1')).toBe(1);
  });

  it('vision check: "no" is shown with the model\'s sentence and a targeted retry; "yes" passes', async () => {
    let calls = 0;
    openai.handle((body) => {
      calls++;
      expect(messageText(body.messages[0]!)).toContain('1. change Background: beach');
      return reply.json({ results: [{ edit: 1, shows: calls > 1, reason: calls > 1 ? 'The background is a beach now.' : 'The background does not look like a beach.' }] });
    });
    sd.color = { r: 40, g: 90, b: 220 };
    const { engine } = await start({ real: true, vision: true, safety: { check: { ...config.safety.check, mode: 'vision' } } });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background beach', images: [await photo('#808080', 60, 45)] });
    await chat.click(/^Change background/);
    await chat.waitUntilIdle();
    const first = chat.threadMessages('T1')[0]!.reply;
    expect(first.kind).toBe('result');
    expect(first.fields).toContainEqual({ label: 'Did not show up', value: 'Change background → beach: The background does not look like a beach.' });
    sd.color = { r: 230, g: 210, b: 160 };
    await chat.click('Retry stronger: Change background → beach');
    await chat.waitUntilIdle();
    const second = chat.threadMessages('T1')[0]!.reply;
    expect(second.kind).toBe('result');
    expect(second.fields ?? []).toEqual([]);
    expect(calls).toBe(2);
    expect(openai.chatRequests.every((r) => r.response_format?.type === 'json_schema')).toBe(true);
  });

  it('mode off checks nothing: an unchanged result is posted as before', async () => {
    const { engine } = await start({ real: true, safety: { check: { ...config.safety.check, mode: 'off' } } });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'background beach', images: [await photo('#808080', 60, 45)] });
    await chat.click(/^Change background/);
    await chat.waitUntilIdle();
    expect(chat.threadMessages('T1')[0]!.reply.kind).toBe('result');
  });
});

describe('content safety', () => {
  it('before planning: a deny-list word and a flagged instruction are refused in the user\'s language, without echoing them; clean words are planned', async () => {
    moderateByContent();
    const { engine, planner } = await start();
    const chat = new TestAdapter(engine);
    const before = await metric('cie_safety_refusals_total', { stage: 'prompt', category: 'violence' });
    await chat.post({ text: 'hurt them badly, background beach', images: [await photo()] });
    const refused = chat.threadMessages('T1')[0]!.reply;
    expect(refused.kind).toBe('error');
    expect(refused.text).toBe("I can't make this edit: the request asks for violence, which is not allowed in this workspace. Please ask for a different change.");
    expect(await metric('cie_safety_refusals_total', { stage: 'prompt', category: 'violence' })).toBe(before + 1);

    await chat.post({ thread: 'T2', text: '把她改成裸体', images: [await photo()] });
    const zh = chat.threadMessages('T2')[0]!.reply;
    expect(zh.text).toBe('无法进行这项编辑：请求涉及色情内容，本工作区不允许。请换一个修改要求。');
    expect(planner.requests).toHaveLength(0);
    for (const t of texts(chat, 'T1').concat(texts(chat, 'T2'))) expect(t).not.toMatch(/hurt|裸体/);

    await chat.post({ thread: 'T3', text: 'brighter', images: [await photo()] });
    expect(chat.threadMessages('T3')[0]!.reply.kind).toBe('proposal');
    expect(openai.moderationRequests.map((b) => moderationInputs(b).texts[0])).toEqual(['hurt them badly, background beach', 'brighter']);
  });

  it('before posting: a flagged result photo is not posted and the photo stays; a clean one is', async () => {
    moderateByContent();
    const { engine } = await start({ real: true });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'shirt red', images: [await photo('#808080', 60, 45)] });
    await chat.click(/^Recolour/);
    await chat.waitUntilIdle();
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.kind).toBe('error');
    // A local edit is tried again as it was: the text names the button it shows.
    expect(shown.text).toBe('The edited photo was not posted: the content check found sexual content in it, which is not allowed in this workspace.\nPress “Try again” to try again.');
    expect(shown.images).toBeUndefined();
    expect(moderationInputs(openai.moderationRequests.at(-1)!).images).toHaveLength(1);

    await chat.post({ thread: 'T2', text: 'shirt white', images: [await photo('#808080', 60, 45)] });
    await chat.click(/^Recolour/, { thread: 'T2' });
    await chat.waitUntilIdle();
    expect(chat.threadMessages('T2')[0]!.reply.kind).toBe('result');
  });

  it('moderation outage at standard: text fails open (planned), the result image fails closed (not posted)', async () => {
    openai.outage({ status: 503, routes: ['moderations'] });
    const { engine } = await start({ real: true });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'shirt white', images: [await photo('#808080', 60, 45)] });
    expect(chat.threadMessages('T1')[0]!.reply.kind).toBe('proposal');
    await chat.click(/^Recolour/);
    await chat.waitUntilIdle();
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.kind).toBe('error');
    expect(shown.text).toBe('The edited photo was not posted because the content check could not look at it right now. Please try again in a few minutes.\nPress “Try again” to try again.');
    expect(shown.buttons!.flat().map((b) => b.label)).toEqual(['Try again']);
  });

  it('moderation outage at strict: the instruction is refused too', async () => {
    openai.outage({ status: 503, routes: ['moderations'] });
    const { engine, planner } = await start({ safety: { level: 'strict' } });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    expect(chat.threadMessages('T1')[0]!.reply.text).toBe('The content check is not available right now and this workspace requires it for every request. Please try again in a few minutes.');
    expect(planner.requests).toHaveLength(0);
  });

  it('refusals are logged with the event id, the stage and the category — never the text or the image', async () => {
    moderateByContent();
    const lines: string[] = [];
    const { engine } = await start({ real: true, logLines: lines });
    const chat = new TestAdapter(engine);
    const msg = await chat.post({ text: 'hurt them badly', images: [await photo('#808080', 60, 45)] });
    await chat.post({ thread: 'T2', text: 'shirt red', images: [await photo('#808080', 60, 45)] });
    const click = await chat.click(/^Recolour/, { thread: 'T2' });
    await chat.waitUntilIdle();
    const refused = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'content refused');
    expect(refused).toEqual([
      expect.objectContaining({ eventId: msg.eventId, stage: 'prompt', reason: 'flagged', source: 'moderation', category: 'violence', platform: 'web', workspace: 'W1' }),
      expect.objectContaining({ eventId: click.eventId, stage: 'output', reason: 'flagged', source: 'moderation', category: 'sexual' }),
    ]);
    const all = lines.join('\n');
    expect(all).not.toContain('hurt them');
    expect(all).not.toMatch(/data:image|base64/);
  });
});

describe('face swap policy', () => {
  async function swapThread(mode: 'off' | 'own-photos' | 'on') {
    const { engine } = await start({ key: false, safety: { faceSwap: mode }, engine: { actionPolicy: 'channel' } });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'swap', images: [await photo('#808080'), await photo('#202020')] });
    return chat;
  }

  it('off: a face swap is never offered, and the proposal says why', async () => {
    const chat = await swapThread('off');
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.buttons?.flat().map((b) => b.label) ?? []).not.toContainEqual(expect.stringMatching(/swap/i));
    expect(shown.fields!.map((f) => f.value).join('\n')).toContain('Face swap is turned off in this workspace.');
  });

  it('own-photos: the person who posted both photos may swap; someone else clicking is refused privately', async () => {
    const chat = await swapThread('own-photos');
    expect(labels(chat)).toContain('Swap face');
    await chat.click('Swap face', { user: { id: 'U2', name: 'bob' } });
    expect(chat.last('T1')).toMatchObject({ type: 'ephemeral', user: { id: 'U2' }, reply: { text: 'Face swap only works between photos you posted yourself in this thread. Send both of your photos in one message and ask again.' } });
    expect(chat.threadMessages('T1')[0]!.reply.kind).toBe('proposal');
    await chat.click('Swap face');
    await chat.waitUntilIdle();
    expect(chat.threadMessages('T1')[0]!.reply.kind).toBe('result');
  });

  it('on: anyone may run a face swap', async () => {
    const chat = await swapThread('on');
    await chat.click('Swap face', { user: { id: 'U2', name: 'bob' } });
    await chat.waitUntilIdle();
    expect(chat.threadMessages('T1')[0]!.reply.kind).toBe('result');
  });
});

describe('policy per workspace', () => {
  it('a Slack team set to strict refuses what the default workspace plans, and keeps its own face swap mode', async () => {
    const { engine, planner } = await start({
      key: false,
      safety: { workspaces: { slack: { T_STRICT: { level: 'strict', faceSwap: 'off' } }, discord: {}, feishu: {}, web: {} } },
    });
    const chat = new TestAdapter(engine, { platform: 'slack' });
    const strict = (thread: string) => ({ platform: 'slack' as const, workspace: 'T_STRICT', channel: 'C1', thread });
    const other = (thread: string) => ({ platform: 'slack' as const, workspace: 'T_OTHER', channel: 'C1', thread });
    await chat.post({ thread: strict('S1'), text: 'bikini, brighter', images: [await photo()] });
    expect(chat.threadMessages('S1')[0]!.reply.text).toMatch(/^I can't make this edit: the request asks for sexual content/);
    await chat.post({ thread: other('O1'), text: 'bikini, brighter', images: [await photo()] });
    expect(chat.threadMessages('O1')[0]!.reply.kind).toBe('proposal');
    expect(planner.requests).toHaveLength(1);

    await chat.post({ thread: strict('S2'), text: 'swap', images: [await photo(), await photo('#202020')] });
    expect(chat.threadMessages('S2')[0]!.reply.fields!.map((f) => f.value).join()).toContain('Face swap is turned off in this workspace.');
    await chat.post({ thread: other('O2'), text: 'swap', images: [await photo(), await photo('#202020')] });
    expect(labels(chat, 'O2')).toContain('Swap face');
  });
});
