import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { Command } from '../../src/core/commands.js';
import type { RawImage } from '../../src/core/image-io.js';
import { cleanReason, closeCheckPool, createResultChecker, describeForCheck, failedChecks, planRetry, VISION_CHECK_SCHEMA } from '../../src/pipeline/check/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { messageText, reply, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';

const { llm, safety, commands, templates } = loadConfig({ sections: ['llm', 'safety', 'commands', 'templates'] });
let fake: OpenAIFake;

beforeAll(async () => {
  await ensureBuilt();
  fake = await startOpenAIFake();
}, 120_000);
afterAll(async () => {
  await fake.close();
  await closeCheckPool();
});
afterEach(() => fake.reset());

const cmd = (command: string, args: Record<string, unknown> = {}): Command => ({ command, args });
const shirtWhite = cmd('change', { labels: ['Upper-clothes'], prompt: 'white T-shirt' });
const beachBackground = cmd('change', { labels: ['Background'], prompt: 'sunny beach' });

/** A 120×80 beige photo; the shirt is the lower middle, the background the rest. */
function photo(shirt: [number, number, number], background: [number, number, number]): { raw: RawImage; shirtAlpha: Uint8Array; bgAlpha: Uint8Array } {
  const w = 120;
  const h = 80;
  const data = Buffer.alloc(w * h * 3);
  const shirtAlpha = new Uint8Array(w * h);
  const bgAlpha = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const inShirt = x >= 40 && x < 80 && y >= 30;
      (inShirt ? shirtAlpha : bgAlpha)[i] = 255;
      data.set(inShirt ? shirt : background, i * 3);
    }
  return { raw: { data, width: w, height: h, channels: 3 }, shirtAlpha, bgAlpha };
}
const encode = (raw: RawImage) => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).png().toBuffer();

function checker(extra: Record<string, string> = {}) {
  const env = readEnv({ OPENAI_API_KEY: 'sk-test-not-a-secret', OPENAI_BASE_URL: fake.baseURL, VISION_MODEL: 'vision-check-test', ...extra });
  return createResultChecker({ env, llm: { ...llm, profiles: { ...llm.profiles, openai: { ...llm.profiles.openai!, maxRetries: 0 } } }, safety, processEnv: {} });
}

describe('vision check (OpenAI fake, structured output)', () => {
  it('asks once with the before and after photos and a strict JSON schema; "no" fails the command with the model\'s reason', async () => {
    const before = photo([200, 180, 150], [90, 120, 90]);
    const after = photo([222, 196, 150], [230, 210, 160]); // background changed; the shirt is re-rendered but still beige
    fake.queue(
      reply.json(
        { results: [{ edit: 1, shows: false, reason: 'The shirt still looks beige.' }, { edit: 2, shows: true, reason: 'The background is now a sandy beach.' }] },
        { usage: { prompt_tokens: 420, completion_tokens: 38 } },
      ),
    );
    const report = await checker().check({
      mode: 'vision',
      before: await encode(before.raw),
      after: after.raw,
      afterEncoded: await encode(after.raw),
      regions: [
        { index: 0, command: shirtWhite, alpha: before.shirtAlpha },
        { index: 1, command: beachBackground, alpha: before.bgAlpha },
      ],
      applied: [{ index: 0, command: shirtWhite }, { index: 1, command: beachBackground }],
      locale: 'en',
    });
    // the shirt's pixels changed enough for the local check (ΔE ≥ 3): the vision model decides
    expect(report.commands[0]).toMatchObject({ index: 0, passed: false, failure: 'not_shown', reason: 'The shirt still looks beige.' });
    expect(report.commands[1]).toMatchObject({ index: 1, passed: true });
    expect(failedChecks(report).map((c) => c.index)).toEqual([0]);
    expect(report.vision).toMatchObject({ model: 'vision-check-test', usage: { promptTokens: 420, completionTokens: 38 } });
    expect(report.vision!.ms).toBeGreaterThanOrEqual(0);

    expect(fake.chatRequests).toHaveLength(1);
    const req = fake.chatRequests[0]!;
    expect(req.model).toBe('vision-check-test');
    expect(req.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'edit_check', strict: true, schema: VISION_CHECK_SCHEMA.schema } });
    expect(messageText(req.messages[0]!)).toContain('1. change Upper-clothes: white T-shirt');
    expect(messageText(req.messages[0]!)).toContain('2. change Background: sunny beach');
    const parts = req.messages[1]!.content as { type: string }[];
    expect(parts.map((p) => p.type)).toEqual(['text', 'image_url', 'image_url']);
  });

  it('"yes" for every command passes the job; the reason language follows the locale', async () => {
    const before = photo([200, 180, 150], [90, 120, 90]);
    const after = photo([250, 250, 250], [90, 120, 90]);
    fake.queue(reply.json({ results: [{ edit: 1, shows: true, reason: '上衣现在是白色的。' }] }));
    const report = await checker().check({
      mode: 'vision',
      before: await encode(before.raw),
      after: after.raw,
      afterEncoded: await encode(after.raw),
      regions: [{ index: 0, command: shirtWhite, alpha: before.shirtAlpha }],
      applied: [{ index: 0, command: shirtWhite }],
      locale: 'zh-CN',
    });
    expect(failedChecks(report)).toEqual([]);
    expect(messageText(fake.chatRequests[0]!.messages[0]!)).toContain('简体中文');
  });

  it('does not ask the model about a command the pixels already show did nothing', async () => {
    const before = photo([200, 180, 150], [90, 120, 90]);
    const after = photo([200, 180, 150], [230, 210, 160]);
    fake.queue(reply.json({ results: [{ edit: 1, shows: true, reason: 'A beach.' }] }));
    const report = await checker().check({
      mode: 'vision',
      before: await encode(before.raw),
      after: after.raw,
      afterEncoded: await encode(after.raw),
      regions: [
        { index: 0, command: shirtWhite, alpha: before.shirtAlpha },
        { index: 1, command: beachBackground, alpha: before.bgAlpha },
      ],
      applied: [{ index: 0, command: shirtWhite }, { index: 1, command: beachBackground }],
      locale: 'en',
    });
    expect(report.commands[0]).toMatchObject({ passed: false, failure: 'unchanged', deltaE: 0, minDeltaE: 3 });
    expect(report.commands[1]).toMatchObject({ passed: true });
    expect(messageText(fake.chatRequests[0]!.messages[0]!)).toContain('1. change Background: sunny beach');
    expect(messageText(fake.chatRequests[0]!.messages[0]!)).not.toContain('Upper-clothes');
  });

  it('a model outage, a refusal or an unreadable answer gives no verdict (the result stands)', async () => {
    const before = photo([200, 180, 150], [90, 120, 90]);
    const after = photo([250, 250, 250], [90, 120, 90]);
    const req = { mode: 'vision' as const, before: await encode(before.raw), after: after.raw, afterEncoded: await encode(after.raw), regions: [{ index: 0, command: shirtWhite, alpha: before.shirtAlpha }], applied: [{ index: 0, command: shirtWhite }], locale: 'en' as const };
    fake.outage({ status: 503, routes: ['chat'] });
    const down = await checker().check(req);
    expect(failedChecks(down)).toEqual([]);
    expect(down.vision!.error).toBe('server_error');
    fake.outage(undefined);
    fake.queue(reply.refusal(), reply.text('I think it looks fine'));
    expect((await checker().check(req)).vision!.error).toBe('refusal');
    expect((await checker().check(req)).vision!.error).toBe('unreadable');
  });

  it('mode local never calls the model; without VISION_MODEL vision mode is local only', async () => {
    const before = photo([200, 180, 150], [90, 120, 90]);
    const after = photo([250, 250, 250], [90, 120, 90]);
    const req = { before: await encode(before.raw), after: after.raw, afterEncoded: await encode(after.raw), regions: [{ index: 0, command: shirtWhite, alpha: before.shirtAlpha }], applied: [{ index: 0, command: shirtWhite }], locale: 'en' as const };
    expect(failedChecks(await checker().check({ ...req, mode: 'local' }))).toEqual([]);
    const noModel = createResultChecker({ env: readEnv({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL }), llm, safety, processEnv: {} });
    expect(noModel.visionModel).toBeUndefined();
    expect((await noModel.check({ ...req, mode: 'vision' })).vision).toBeUndefined();
    expect((await checker().check({ ...req, mode: 'off' })).commands).toEqual([]);
    expect(fake.chatRequests).toHaveLength(0);
  });

  it('describes commands for the model and cleans what it says before users see it', () => {
    expect(describeForCheck(cmd('adjust', { labels: ['*'], brightness: 20, contrast: 0 }))).toBe('adjust whole photo: brightness +20');
    expect(describeForCheck(cmd('swap_face'))).toBe('swap face');
    expect(cleanReason('  The <b>shirt</b> is\nstill @everyone beige https://x.y/z  ')).toBe('The shirt is still everyone beige');
    expect([...cleanReason('很'.repeat(300))!].length).toBe(160);
    expect(cleanReason(42)).toBeUndefined();
  });
});

describe('targeted retry plan', () => {
  const rule = (name: string) => commands.commands[name];
  const template = (name: string) => templates.templates[commands.commands[name]!.template ?? ''];
  const ctx = (name: string, settings = {}) => ({ rule: rule(name), template: template(name), defaults: templates.defaults, settings, retry: safety.check.retry, random: () => 0.5 });

  it('generative: a new seed, stronger denoising and a stronger prompt (CFG), capped', () => {
    const plan = planRetry(shirtWhite, ctx('change'))!;
    expect(plan.command).toBe(shirtWhite);
    expect(plan.settings).toEqual({ seed: 2 ** 30, strength: 0.9, cfgScale: 8.5 });
    expect(planRetry(shirtWhite, ctx('change', { strength: 0.9, cfgScale: 11.5 }))!.settings).toMatchObject({ strength: 0.95, cfgScale: 12 });
    expect(planRetry(shirtWhite, ctx('change', { strength: 0.95 }))!.settings.strength).toBe(0.95);
  });

  it('local: adjust and blur get stronger within their limits; deterministic edits have no retry', () => {
    expect(planRetry(cmd('adjust', { labels: ['*'], brightness: 20, contrast: -10, saturation: 0 }), ctx('adjust'))!.command.args).toMatchObject({ brightness: 32, contrast: -16, saturation: 0 });
    expect(planRetry(cmd('adjust', { labels: ['*'], brightness: 80 }), ctx('adjust'))!.command.args.brightness).toBe(100);
    expect(planRetry(cmd('adjust', { labels: ['*'], brightness: 100 }), ctx('adjust'))).toBeUndefined();
    expect(planRetry(cmd('blur', { labels: ['Background'] }), ctx('blur'))!.command.args.strength).toBe(48);
    expect(planRetry(cmd('recolor', { labels: ['Upper-clothes'], color: 'white' }), ctx('recolor'))).toBeUndefined();
    expect(planRetry(cmd('grayscale', { labels: ['Background'] }), ctx('grayscale'))).toBeUndefined();
    expect(planRetry(cmd('unknown'), { ...ctx('blur'), rule: undefined })).toBeUndefined();
  });
});
