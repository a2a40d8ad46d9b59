import { afterEach, describe, expect, it, vi } from 'vitest';
import sharp from 'sharp';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { SdWebuiBackend, OpenAiImagesBackend } from '../../src/providers/image/index.js';
import { UserFacingError } from '../../src/util/errors.js';
import { startSdWebuiFake, type SdWebuiFake } from '../fakes/sdwebui.js';
import { startOpenAiImagesFake, type OpenAiImagesFake } from '../fakes/openai-images.js';
import { SHIRT, envWith, execConfig, png, syntheticScene } from './helpers.js';

const cfg = execConfig();
let sd: SdWebuiFake | undefined;
let oa: OpenAiImagesFake | undefined;
afterEach(async () => {
  await sd?.close();
  await oa?.close();
  sd = oa = undefined;
});

function sdBackend(url: string, overrides: Partial<typeof cfg.backends.sdWebui> = {}) {
  return new SdWebuiBackend(url, { ...cfg.backends.sdWebui, progressIntervalMs: 5, ...overrides });
}

const change = { command: 'change', args: { labels: ['Upper-clothes'], prompt: 'white T-shirt' } };

async function scene(w = 400, h = 300) {
  const { rgb, map } = syntheticScene(w, h);
  return { image: await png({ data: rgb, width: w, height: h, channels: 3 }), map, rgb };
}

describe('SD WebUI backend (loopback fake of the real API)', () => {
  it('inpaints the mask crop with the template values, sampler_name and a canny ControlNet unit, and reports progress', async () => {
    sd = await startSdWebuiFake();
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url)] });
    const { image, map } = await scene();
    const progress: number[] = [];
    const result = await executor.execute({ image, labelMap: map, commands: [change], onProgress: (p) => progress.push(p.fraction) });
    expect(result.applied).toEqual([change]);
    expect(result.backend).toBe('sd-webui');
    const body = sd.img2img[0]!;
    expect(body.sampler_name).toBe('DPM++ 2M');
    expect(body).not.toHaveProperty('sampler_index');
    expect(body.steps).toBe(40);
    expect(body.cfg_scale).toBe(7);
    expect(body.seed).toBe(-1);
    expect(body.inpainting_fill).toBe(0);
    expect(body.prompt).toMatch(/^white T-shirt, /);
    expect(Math.max(Number(body.width), Number(body.height))).toBe(512);
    expect(Number(body.width) % 8 + (Number(body.height) % 8)).toBe(0);
    const cn = (body.alwayson_scripts as { controlnet: { args: Record<string, unknown>[] } }).controlnet.args[0]!;
    expect(cn).toMatchObject({ module: 'canny', threshold_a: 245, threshold_b: 250, enabled: true });
    // the mask sent is the crop's binary mask at the working size: white = edit
    const mask = await sharp(Buffer.from(String(body.mask), 'base64')).raw().toBuffer({ resolveWithObject: true });
    expect(mask.info.width).toBe(body.width);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    const init = await sharp(Buffer.from((body.init_images as string[])[0]!, 'base64')).metadata();
    expect([init.width, init.height]).toEqual([body.width, body.height]);
    expect(sd.progressCalls).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
    // the shirt's centre is now the fake's red
    const shirtCentre = [...result.image.data.subarray((220 * 400 + 200) * 3, (220 * 400 + 200) * 3 + 3)];
    expect(shirtCentre).toEqual([255, 0, 0]);
    expect(map.data[220 * 400 + 200]).toBe(SHIRT);
  });

  it('uses the beauty and face templates (denoising, cfg, canny thresholds)', async () => {
    sd = await startSdWebuiFake();
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url)] });
    const { image, map } = await scene();
    await executor.execute({ image, labelMap: map, commands: [{ command: 'face', args: { prompt: 'smile' } }, { command: 'beauty', args: { prompt: '' } }] });
    const [face, beauty] = sd.img2img as Record<string, any>[];
    expect(face!.denoising_strength).toBe(0.2);
    expect(face!.alwayson_scripts.controlnet.args[0]).toMatchObject({ threshold_a: 100, threshold_b: 250 });
    expect(beauty!.denoising_strength).toBe(0.25);
    expect(beauty!.cfg_scale).toBe(5);
    expect(beauty!.alwayson_scripts.controlnet.args[0]).toMatchObject({ threshold_a: 10, threshold_b: 100 });
  });

  it('user settings override the template; swap_face sends the second photo to ReActor, and is skipped without one', async () => {
    sd = await startSdWebuiFake();
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url)] });
    const { image, map } = await scene();
    const face = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#caa' } }).png().toBuffer();
    const skipped = await executor.execute({ image, labelMap: map, commands: [{ command: 'swap_face', args: {} }] });
    expect(skipped.skipped).toEqual([{ command: { command: 'swap_face', args: {} }, reason: 'execute.skip.no_face_source' }]);
    expect(sd.img2img).toHaveLength(0);
    await executor.execute({ image, labelMap: map, faceSource: face, settings: { seed: 1234, strength: 0.5 }, commands: [{ command: 'swap_face', args: {} }] });
    const body = sd.img2img[0] as Record<string, any>;
    expect(body.seed).toBe(1234);
    expect(body.denoising_strength).toBe(0.5);
    expect(body.cfg_scale).toBe(3.5);
    expect(body.alwayson_scripts.reactor.args[0]).toBe(face.toString('base64'));
    expect(body.alwayson_scripts.reactor.args[1]).toBe(true);
  });

  it('resizes a wrong-size result to the crop instead of failing', async () => {
    sd = await startSdWebuiFake({ mode: 'wrong-size' });
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url)] });
    const { image, map } = await scene();
    const result = await executor.execute({ image, labelMap: map, commands: [change] });
    expect([result.image.width, result.image.height]).toEqual([400, 300]);
    expect([...result.image.data.subarray((220 * 400 + 200) * 3, (220 * 400 + 200) * 3 + 3)]).toEqual([255, 0, 0]);
  });

  it('an HTML error page and a non-image become clear messages, never a crash or a broken photo', async () => {
    sd = await startSdWebuiFake({ mode: 'error-page' });
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url)] });
    const { image, map } = await scene();
    const err = await executor.execute({ image, labelMap: map, commands: [change] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).key).toBe('execute.backend.http_error');
    expect((err as UserFacingError).params).toMatchObject({ status: 500, backend: 'sd-webui' });
    expect(String((err as UserFacingError).params.detail)).toContain('CUDA out of memory');
    sd.mode = 'not-image';
    const err2 = await executor.execute({ image, labelMap: map, commands: [change] }).catch((e: unknown) => e);
    expect((err2 as UserFacingError).key).toBe('execute.backend.bad_image');
  });

  it('when SD WebUI is down, falls back to OpenAI image edits and says so', async () => {
    sd = await startSdWebuiFake();
    const deadUrl = sd.url;
    await sd.close();
    sd = undefined;
    oa = await startOpenAiImagesFake();
    const env = envWith({ SD_WEBUI_URL: deadUrl, OPENAI_API_KEY: 'sk-test-images-0000000000000000', OPENAI_BASE_URL: oa.baseURL });
    const executor = createExecutor({ env, config: cfg });
    const { image, map } = await scene();
    const result = await executor.execute({ image, labelMap: map, commands: [change] });
    expect(result.backend).toBe('openai');
    expect(result.fallbackReason).toBe('execute.fallback.sd_webui_down');
    expect(oa.edits).toHaveLength(1);
    const down = await createExecutor({ env: envWith({ SD_WEBUI_URL: deadUrl }), config: cfg }).execute({ image, labelMap: map, commands: [change] }).catch((e: unknown) => e);
    expect((down as UserFacingError).key).toBe('execute.backend.down');
    expect((down as UserFacingError).params.env).toBe('SD_WEBUI_URL');
  });

  it('a slow job is interrupted on cancel, and times out with a clear message', async () => {
    sd = await startSdWebuiFake({ mode: 'slow' });
    const { image, map } = await scene();
    const controller = new AbortController();
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url)] });
    const running = executor.execute({ image, labelMap: map, commands: [change], signal: controller.signal, onProgress: (p) => p.fraction > 0 && controller.abort() });
    const err = await running.catch((e: unknown) => e);
    expect((err as UserFacingError).key).toBe('execute.cancelled');
    await vi.waitFor(() => expect(sd!.interrupts).toBeGreaterThan(0), { timeout: 5000 });
    const quick = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(sd.url, { timeoutMs: 200 })] });
    const timeout = await quick.execute({ image, labelMap: map, commands: [change] }).catch((e: unknown) => e);
    expect((timeout as UserFacingError).key).toBe('execute.backend.timeout');
  });

  it('health reads /options and lists LoRAs; unconfigured is "off", unreachable is "down"', async () => {
    sd = await startSdWebuiFake();
    const b = sdBackend(sd.url);
    const h = await b.health();
    expect(h.state).toBe('ok');
    expect(h.detail).toContain('fake-inpainting');
    expect(await b.listLoras()).toEqual([{ name: 'add_detail', alias: 'add_detail' }]);
    expect((await sdBackend('').health()).state).toBe('off');
    const url = sd.url;
    await sd.close();
    sd = undefined;
    expect((await sdBackend(url).health()).state).toBe('down');
  });

  it('without any generative backend, generative commands are skipped with a reason and local ones still run', async () => {
    const executor = createExecutor({ env: envWith(), config: cfg, imageBackends: [sdBackend(''), new OpenAiImagesBackend(envWith(), cfg.backends.openai)] });
    const { image, map } = await scene();
    const result = await executor.execute({ image, labelMap: map, commands: [change, { command: 'grayscale', args: { labels: ['Background'] } }] });
    expect(result.skipped).toEqual([{ command: change, reason: 'execute.skip.no_generative_backend' }]);
    expect(result.applied.map((c) => c.command)).toEqual(['grayscale']);
    expect(result.backend).toBe('local');
  });
});
