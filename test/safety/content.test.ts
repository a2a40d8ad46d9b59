import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { SafetySchema, type SafetyConfig } from '../../src/config/schemas/safety.js';
import { t } from '../../src/i18n/index.js';
import { categoryKey, createContentGate, DenyList, PolicyBook, refusalKey, resolvePolicy, type SafetyVerdict } from '../../src/pipeline/safety/index.js';
import { moderation, moderationInputs, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';

const { safety } = loadConfig({ sections: ['safety'] });
let fake: OpenAIFake;
let red: Buffer;
let blue: Buffer;

/** The fake's image "classifier": a mostly red photo is flagged sexual, anything else is clean. */
async function redIsFlagged(url: string): Promise<boolean> {
  const data = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const { channels } = await sharp(data).stats();
  return channels[0]!.mean > 150 && channels[2]!.mean < 100;
}

beforeAll(async () => {
  fake = await startOpenAIFake();
  red = await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 220, g: 30, b: 40 } } }).png().toBuffer();
  blue = await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 30, g: 60, b: 220 } } }).png().toBuffer();
});
afterAll(() => fake.close());
afterEach(() => fake.reset());

function gateFor(cfg: SafetyConfig = safety, withKey = true) {
  const env = readEnv({ ...(withKey ? { OPENAI_API_KEY: 'sk-test-not-a-secret' } : {}), OPENAI_BASE_URL: fake.baseURL });
  return createContentGate(env, { ...cfg, moderation: { ...cfg.moderation, maxRetries: 0 } }, undefined, {});
}

function moderateByContent() {
  fake.moderate(async (body) => {
    const { texts, images } = moderationInputs(body);
    if (texts.some((x) => x.includes('hurt them badly'))) return moderation.flagged(['violence']);
    for (const url of images) if (await redIsFlagged(url)) return moderation.flagged(['sexual'], { sexual: 0.97 });
    return moderation.clean();
  });
}

const standard = resolvePolicy(safety, { platform: 'slack', workspace: 'T1' });
const strict = resolvePolicy({ ...safety, level: 'strict' }, { platform: 'slack', workspace: 'T1' });

describe('deny list', () => {
  const list = new DenyList(safety.denyList, 'standard');
  const strictList = new DenyList(safety.denyList, 'strict');

  it('matches English whole words through case, full-width forms, digits for letters and spelled-out letters', () => {
    for (const text of ['make her NUDE', 'ｍａｋｅ ｈｅｒ ｎｕｄｅ', 'make her n.u.d.e please', 'n u d e version', 'p0rn style', 'take off her clothes', 'take-off   her clothes', 'undress him']) {
      expect(list.match(text), text).toBe('sexual');
    }
    expect(list.match('make it gory')).toBe('violence/graphic');
  });

  it('leaves ordinary edits alone (whole words only)', () => {
    for (const text of ['change the background to a beach', 'make the shirt white', 'Middlesex street at night', 'a denuded hillside', 'blur the background 30', '把背景换成海滩']) {
      expect(list.match(text), text).toBeUndefined();
    }
  });

  it('matches Chinese anywhere, across spaces and punctuation between characters', () => {
    expect(list.match('把她改成裸体')).toBe('sexual');
    expect(list.match('把她改成 裸 · 体')).toBe('sexual');
    expect(list.match('来点血腥的')).toBe('violence/graphic');
  });

  it('strict adds its own entries; off has none', () => {
    expect(list.match('put her in a bikini')).toBeUndefined();
    expect(strictList.match('put her in a bikini')).toBe('sexual');
    expect(strictList.match('换成比基尼')).toBe('sexual');
    expect(new DenyList(safety.denyList, 'off').size).toBe(0);
  });
});

describe('policy per workspace', () => {
  const cfg = SafetySchema.parse({
    ...safety,
    workspaces: {
      slack: { T_STRICT: { level: 'strict', faceSwap: 'off', check: { mode: 'vision' } } },
      discord: { '111': { level: 'off' } },
      feishu: { tenant_a: { faceSwap: 'on', denyList: [{ category: 'other', en: ['competitor logo'], 'zh-CN': ['竞品'] }] } },
    },
  });
  const book = new PolicyBook(cfg);

  it('uses the defaults where no override is configured', () => {
    expect(book.resolve({ platform: 'slack', workspace: 'T_OTHER' })).toMatchObject({ level: 'standard', faceSwap: 'own-photos', check: 'local', source: 'default' });
    // the same id on another platform is another workspace
    expect(book.resolve({ platform: 'discord', workspace: 'T_STRICT' }).source).toBe('default');
  });

  it('applies a Slack team, Discord guild and Feishu tenant override', () => {
    expect(book.resolve({ platform: 'slack', workspace: 'T_STRICT' })).toMatchObject({ level: 'strict', faceSwap: 'off', check: 'vision', source: 'workspace' });
    expect(book.resolve({ platform: 'discord', workspace: '111' })).toMatchObject({ level: 'off', faceSwap: 'own-photos' });
    const feishu = book.resolve({ platform: 'feishu', workspace: 'tenant_a' });
    expect(feishu).toMatchObject({ level: 'standard', faceSwap: 'on' });
    expect(feishu.deny.match('add a Competitor Logo')).toBe('other');
    expect(book.resolve({ platform: 'feishu', workspace: 'tenant_b' }).deny.match('add a Competitor Logo')).toBeUndefined();
    expect(book.resolve({ platform: 'slack', workspace: 'T_STRICT' }).deny.match('bikini')).toBe('sexual');
  });

  it('the playground and Discord direct messages (workspace "") can have their own policy', () => {
    const local = new PolicyBook(SafetySchema.parse({ ...safety, workspaces: { web: { '': { level: 'off' } } } }));
    expect(local.resolve({ platform: 'web', workspace: '' })).toMatchObject({ level: 'off', source: 'workspace' });
    expect(local.resolve({ platform: 'discord', workspace: '' }).source).toBe('default');
  });

  it('refuses an unknown key in an override (strict config)', () => {
    expect(() => SafetySchema.parse({ ...safety, workspaces: { slack: { T1: { levle: 'strict' } } } })).toThrow();
  });
});

describe('content gate against the OpenAI moderation fake', () => {
  it('text: a flagged instruction is refused with its category; a clean one passes; the deny list needs no request', async () => {
    moderateByContent();
    const { gate } = gateFor();
    const flagged = await gate.checkText('hurt them badly in this photo', standard);
    expect(flagged).toEqual({ allowed: false, reason: 'flagged', category: 'violence', source: 'moderation' });
    expect(await gate.checkText('make the shirt white', standard)).toEqual({ allowed: true, checkedBy: 'moderation' });
    expect(fake.moderationRequests).toHaveLength(2);
    expect(fake.moderationRequests[0]).toMatchObject({ model: 'omni-moderation-latest', input: [{ type: 'text', text: 'hurt them badly in this photo' }] });

    const listed = await gate.checkText('make her naked', standard);
    expect(listed).toMatchObject({ allowed: false, category: 'sexual', source: 'deny-list' });
    expect(fake.moderationRequests).toHaveLength(2);
  });

  it('images: a flagged result is refused, a clean one passes (one image_url data URL per request)', async () => {
    moderateByContent();
    const { gate } = gateFor();
    expect(await gate.checkImage(red, standard)).toEqual({ allowed: false, reason: 'flagged', category: 'sexual', source: 'moderation' });
    expect(await gate.checkImage(blue, standard)).toEqual({ allowed: true, checkedBy: 'moderation' });
    const { images, texts } = moderationInputs(fake.moderationRequests[0]!);
    expect(texts).toEqual([]);
    expect(images).toHaveLength(1);
    expect(images[0]!.startsWith('data:image/jpeg;base64,')).toBe(true);
  });

  it('outage at standard: text fails open, images fail closed', async () => {
    fake.outage({ status: 503, routes: ['moderations'] });
    const { gate } = gateFor();
    expect(await gate.checkText('make the shirt white', standard)).toEqual({ allowed: true, checkedBy: 'moderation', failedOpen: true });
    expect(await gate.checkImage(blue, standard)).toEqual({ allowed: false, reason: 'unavailable', source: 'moderation' });
    // the deny list still works without the endpoint
    expect(await gate.checkText('make her naked', standard)).toMatchObject({ allowed: false, source: 'deny-list' });
  });

  it('outage by dropped connections counts the same', async () => {
    fake.outage({ hangUp: true, routes: ['moderations'] });
    const { gate } = gateFor();
    expect((await gate.checkText('make the shirt white', standard)).allowed).toBe(true);
    expect((await gate.checkImage(blue, standard)).allowed).toBe(false);
  });

  it('strict: fails closed for text too, and blocks high scores that are not flagged', async () => {
    fake.outage({ status: 500, routes: ['moderations'] });
    const { gate } = gateFor();
    expect(await gate.checkText('make the shirt white', strict)).toEqual({ allowed: false, reason: 'unavailable', source: 'moderation' });
    fake.outage(undefined);
    fake.queueModeration(moderation.scored({ violence: 0.42 }), moderation.scored({ violence: 0.42 }));
    expect(await gate.checkText('an intense scene', strict)).toMatchObject({ allowed: false, category: 'violence' });
    expect(await gate.checkText('an intense scene', standard)).toMatchObject({ allowed: true });
  });

  it('ignored categories never block', async () => {
    fake.queueModeration(moderation.flagged(['violence']));
    const { gate } = gateFor({ ...safety, moderation: { ...safety.moderation, ignoreCategories: ['violence'] } });
    expect((await gate.checkText('a battle scene', standard)).allowed).toBe(true);
  });

  it('level off checks nothing and sends nothing', async () => {
    const { gate } = gateFor();
    const off = resolvePolicy({ ...safety, level: 'off' }, { platform: 'web', workspace: '' });
    expect(await gate.checkText('make her naked', off)).toEqual({ allowed: true, checkedBy: 'none' });
    expect(await gate.checkImage(red, off)).toEqual({ allowed: true, checkedBy: 'none' });
    expect(fake.moderationRequests).toHaveLength(0);
  });

  it('without a key or classifier: standard posts unchecked images, strict refuses them', async () => {
    const { gate } = gateFor(safety, false);
    expect(gate.imageChecker).toBe('none');
    expect(await gate.checkImage(red, standard)).toEqual({ allowed: true, checkedBy: 'none' });
    const refused = (await gate.checkImage(red, strict)) as Extract<SafetyVerdict, { allowed: false }>;
    expect(refused).toEqual({ allowed: false, reason: 'unavailable', source: 'none' });
    expect(refusalKey('output', refused)).toBe('safety.no_image_check');
    expect(fake.moderationRequests).toHaveLength(0);
  });

  it('moderation enabled: false keeps the key for the planner but sends nothing to /moderations', async () => {
    const { gate } = gateFor({ ...safety, moderation: { ...safety.moderation, enabled: false } });
    expect(await gate.checkText('make the shirt white', standard)).toEqual({ allowed: true, checkedBy: 'deny-list' });
    expect(fake.moderationRequests).toHaveLength(0);
  });
});

describe('refusal messages', () => {
  it('are localized, name the category and never the offending words', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const text = t(locale, refusalKey('prompt', { allowed: false, reason: 'flagged', category: 'sexual', source: 'deny-list' }), { category: t(locale, categoryKey('sexual')) });
      expect(text).toContain(t(locale, 'safety.category.sexual'));
      expect(text).not.toContain('{');
    }
    expect(categoryKey('self-harm/intent')).toBe('safety.category.self_harm');
    expect(categoryKey('violence/graphic')).toBe('safety.category.violence_graphic');
    expect(categoryKey('something-new')).toBe('safety.category.other');
    expect(refusalKey('output', { allowed: false, reason: 'unavailable', source: 'moderation' })).toBe('safety.unavailable_output');
  });
});
