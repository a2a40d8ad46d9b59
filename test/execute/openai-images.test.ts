import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { OpenAiImagesBackend } from '../../src/providers/image/index.js';
import { UserFacingError } from '../../src/util/errors.js';
import { t } from '../../src/i18n/index.js';
import { startOpenAiImagesFake, type OpenAiImagesFake } from '../fakes/openai-images.js';
import { envWith, execConfig, png, syntheticScene } from './helpers.js';

const cfg = execConfig();
let oa: OpenAiImagesFake | undefined;
afterEach(async () => {
  await oa?.close();
  oa = undefined;
});
const change = { command: 'change', args: { labels: ['Upper-clothes'], prompt: 'a red silk shirt' } };

async function setup(model: 'gpt-image-1' | 'dall-e-2', w = 400, h = 300) {
  oa = await startOpenAiImagesFake();
  const env = envWith({ OPENAI_API_KEY: 'sk-test-images-0000000000000000', OPENAI_BASE_URL: oa.baseURL });
  const backend = new OpenAiImagesBackend(env, { ...cfg.backends.openai, model, maxRetries: 0 });
  const executor = createExecutor({ env, config: cfg, imageBackends: [backend] });
  const { rgb, map } = syntheticScene(w, h);
  return { executor, image: await png({ data: rgb, width: w, height: h, channels: 3 }), map, backend };
}

describe('OpenAI image edits (loopback fake of images.edit, multipart through the SDK)', () => {
  it('sends the crop and an RGBA mask whose transparent pixels are exactly the edit region, at a gpt-image-1 size', async () => {
    const { executor, image, map } = await setup('gpt-image-1');
    const result = await executor.execute({ image, labelMap: map, commands: [change] });
    expect(result.backend).toBe('openai');
    const call = oa!.edits[0]!;
    expect(call.model).toBe('gpt-image-1');
    expect(call.prompt).toContain('a red silk shirt');
    expect(['1024x1024', '1536x1024', '1024x1536']).toContain(call.size);
    expect(call.responseFormat).toBeNull(); // gpt-image-1 always answers base64
    expect(call.authorization).toBe('Bearer sk-test-images-0000000000000000');
    const [w, h] = call.size.split('x').map(Number);
    const img = await sharp(call.image.data).metadata();
    expect([img.width, img.height]).toEqual([w, h]);
    const mask = await sharp(call.mask!.data).raw().toBuffer({ resolveWithObject: true });
    expect(mask.info.channels).toBe(4);
    expect([mask.info.width, mask.info.height]).toEqual([w, h]);
    const alphas = new Set<number>();
    for (let i = 3; i < mask.data.length; i += 4) alphas.add(mask.data[i]!);
    expect(alphas).toEqual(new Set([0, 255]));
    // the centre of the crop is shirt (edit → transparent); the top-left corner is background (keep → opaque)
    const centre = ((Math.floor(h! / 2) * w!) + Math.floor(w! / 2)) * 4 + 3;
    expect(mask.data[centre]).toBe(0);
    expect(mask.data[3]).toBe(255);
    // the fake paints blue: the shirt turned blue at full resolution
    const p = (220 * 400 + 200) * 3;
    expect([...result.image.data.subarray(p, p + 3)]).toEqual([0, 0, 255]);
  });

  it('dall-e-2 gets a square size and asks for base64', async () => {
    const { executor, image, map } = await setup('dall-e-2');
    await executor.execute({ image, labelMap: map, commands: [change] });
    const call = oa!.edits[0]!;
    expect(call.model).toBe('dall-e-2');
    expect(['256x256', '512x512', '1024x1024']).toContain(call.size);
    expect(call.responseFormat).toBe('b64_json');
  });

  it('picks sizes per model', () => {
    const env = envWith({ OPENAI_API_KEY: 'sk-x' });
    const gpt = new OpenAiImagesBackend(env, { ...cfg.backends.openai, model: 'gpt-image-1' });
    expect(gpt.workingSize(3000, 2000)).toEqual({ width: 1536, height: 1024 });
    expect(gpt.workingSize(900, 1400)).toEqual({ width: 1024, height: 1536 });
    expect(gpt.workingSize(500, 520)).toEqual({ width: 1024, height: 1024 });
    const dalle = new OpenAiImagesBackend(env, { ...cfg.backends.openai, model: 'dall-e-2' });
    expect(dalle.workingSize(200, 120)).toEqual({ width: 256, height: 256 });
    expect(dalle.workingSize(3000, 2000)).toEqual({ width: 1024, height: 1024 });
  });

  it('a content-policy refusal becomes a clear sentence in both languages, with no fallback', async () => {
    const { executor, image, map } = await setup('gpt-image-1');
    oa!.mode = 'content-policy';
    const err = await executor.execute({ image, labelMap: map, commands: [change] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).key).toBe('execute.backend.content_policy');
    expect(t('en', 'execute.backend.content_policy')).toMatch(/rephrase/i);
    expect(t('zh-CN', 'execute.backend.content_policy')).toMatch(/内容政策/);
  });

  it('health: ok with the model listed, off without a key', async () => {
    const { backend } = await setup('gpt-image-1');
    expect((await backend.health()).state).toBe('ok');
    const off = new OpenAiImagesBackend(envWith(), cfg.backends.openai);
    expect((await off.health()).state).toBe('off');
  });
});
