import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { testLanguage } from '../helpers/config.js';
import { HeuristicSuggester, VisionSuggester, createSuggester } from '../../src/pipeline/plan/index.js';
import { messageText, reply, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';

const language = testLanguage();
const { llm, prompts } = loadConfig({ sections: ['llm', 'prompts'] });
const PHOTO = ['Background', 'Hair', 'Face', 'Upper-clothes'];
let fake: OpenAIFake;
let photo: Buffer;

beforeAll(async () => {
  fake = await startOpenAIFake();
  photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => fake.reset());

const env = () => readEnv({ OPENAI_API_KEY: 'sk-test-not-a-secret', OPENAI_BASE_URL: fake.baseURL, VISION_MODEL: 'vision-test' });

describe('vision suggestions', () => {
  it('sends a downscaled JPEG as an image content part with the labels, and returns validated suggestions', async () => {
    fake.queue(
      reply.json({
        suggestions: [
          { command: 'blur', paras: [['Background'], 30], sentence: 'Blur the busy background so you stand out.' },
          { command: 'recolor', paras: [['Hat'], 'red'], sentence: 'A red hat.' },
          { command: 'adjust', labels: ['*'], brightness: 15, contrast: null, saturation: null, sentence: 'Brighten a little.' },
          { command: 'shell', paras: ['ls'], sentence: 'hack' },
        ],
      }),
    );
    const suggester = createSuggester({ env: env(), language, llm, prompts });
    expect(suggester).toBeInstanceOf(VisionSuggester);
    const out = await suggester.suggest({ image: photo, labels: PHOTO, locale: 'en' });
    expect(out.map((s) => s.command.command)).toEqual(['blur', 'adjust']);
    expect(out[0]!.sentence).toBe('Blur the busy background so you stand out.');

    const req = fake.chatRequests[0]!;
    expect(req.model).toBe('vision-test');
    expect(messageText(req.messages[0]!)).toContain('1. Background');
    const parts = req.messages[1]!.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts.map((p) => p.type)).toEqual(['text', 'image_url']);
    const url = parts[1]!.image_url!.url;
    expect(url.startsWith('data:image/jpeg;base64,')).toBe(true);
    const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(768);
  });

  it('Chinese locale: Chinese prompt to the model', async () => {
    fake.queue(reply.json({ suggestions: [{ command: 'blur', paras: [['Background']], sentence: '虚化背景。' }] }));
    const out = await createSuggester({ env: env(), language, llm, prompts }).suggest({ image: photo, labels: PHOTO, locale: 'zh-CN' });
    expect(out[0]!.sentence).toBe('虚化背景。');
    expect(messageText(fake.chatRequests[0]!.messages[0]!)).toContain('修图师');
  });

  it('when the vision model fails, heuristic suggestions still answer', async () => {
    fake.handle(() => reply.error(500, 'down'));
    const out = await createSuggester({ env: env(), language, llm, prompts }).suggest({ image: photo, labels: PHOTO, locale: 'en' });
    expect(out.length).toBeGreaterThan(0);
    expect(fake.chatRequests.length).toBeGreaterThan(0);
  });

  it('without VISION_MODEL: heuristic suggestions from the labels, localised', async () => {
    const s = createSuggester({ env: readEnv({ OPENAI_API_KEY: 'sk-test-not-a-secret' }), language, llm, prompts });
    expect(s).toBeInstanceOf(HeuristicSuggester);
    const en = await s.suggest({ image: photo, labels: PHOTO, locale: 'en' });
    expect(en.map((x) => x.command.command)).toContain('blur');
    const zh = await s.suggest({ image: photo, labels: PHOTO, locale: 'zh-CN' });
    expect(zh[0]!.sentence).toMatch(/[\u4e00-\u9fff]/);
    // No background in the photo: no background suggestions, but still something to offer.
    const noBg = await s.suggest({ image: photo, labels: ['Face', 'Hair'], locale: 'en' });
    expect(noBg.length).toBeGreaterThan(0);
    for (const x of noBg) expect(JSON.stringify(x.command.args)).not.toContain('Background');
  });
});
