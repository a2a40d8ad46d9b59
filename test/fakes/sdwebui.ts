import type http from 'node:http';
import sharp from 'sharp';
import { sendJson, startFakeServer, type FakeServer } from './http.js';

/**
 * A loopback AUTOMATIC1111/Forge WebUI speaking its real HTTP API: `/sdapi/v1/img2img` (base64 PNG
 * out), `/progress`, `/loras`, `/options`, `/interrupt`. Faults: a 500 HTML error page, a wrong-size
 * image, a non-image, and "slow" (holds the request until interrupted).
 */
export type SdFakeMode = 'ok' | 'error-page' | 'wrong-size' | 'not-image' | 'slow';

export interface SdWebuiFake extends FakeServer {
  mode: SdFakeMode;
  /** Colour of the generated image. */
  color: { r: number; g: number; b: number };
  img2img: Record<string, unknown>[];
  interrupts: number;
  progressCalls: number;
}

export async function startSdWebuiFake(init: { mode?: SdFakeMode; color?: { r: number; g: number; b: number } } = {}): Promise<SdWebuiFake> {
  const pending = new Set<() => void>();
  let progress = 0;
  const handler = async (req: Parameters<Parameters<typeof startFakeServer>[0]>[0], res: http.ServerResponse) => {
    switch (`${req.method} ${req.path}`) {
      case 'GET /sdapi/v1/options':
        return sendJson(res, 200, { sd_model_checkpoint: 'fake-inpainting.safetensors [abc123]', samples_format: 'png' });
      case 'GET /sdapi/v1/loras':
        return sendJson(res, 200, [{ name: 'add_detail', alias: 'add_detail', path: '/models/Lora/add_detail.safetensors', metadata: {} }]);
      case 'GET /sdapi/v1/progress':
        fake.progressCalls++;
        progress = Math.min(0.9, progress + 0.3);
        return sendJson(res, 200, { progress, eta_relative: 1, state: { job_count: 1, sampling_step: 4, sampling_steps: 40 }, current_image: null, textinfo: null });
      case 'POST /sdapi/v1/interrupt':
        fake.interrupts++;
        for (const release of pending) release();
        return sendJson(res, 200, {});
      case 'POST /sdapi/v1/img2img': {
        const body = req.json as Record<string, unknown>;
        fake.img2img.push(body);
        progress = 0;
        if (fake.mode === 'error-page') {
          res.writeHead(500, { 'content-type': 'text/html' });
          return res.end('<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1><p>CUDA out of memory</p></body></html>');
        }
        if (fake.mode === 'slow') {
          // Held until /interrupt (or the client gives up); then answers like WebUI does after an interrupt.
          await new Promise<void>((resolve) => {
            pending.add(resolve);
            res.on('close', resolve);
          });
          if (res.writableEnded || res.destroyed) return;
        }
        const width = Number(body.width) || 512;
        const height = Number(body.height) || 512;
        let png: Buffer;
        if (fake.mode === 'not-image') png = Buffer.from('this is not an image');
        else {
          const [w, h] = fake.mode === 'wrong-size' ? [Math.round(width / 2), Math.round(height / 2) + 3] : [width, height];
          png = await sharp({ create: { width: w, height: h, channels: 3, background: fake.color } }).png().toBuffer();
        }
        if (fake.mode === 'slow') await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 30)); // lets at least one progress poll through when polling is fast
        return sendJson(res, 200, { images: [png.toString('base64')], parameters: {}, info: '{}' });
      }
      default:
        return sendJson(res, 404, { detail: 'Not Found' });
    }
  };
  const fake = (await startFakeServer(async (req, res) => {
    await handler(req, res);
  })) as SdWebuiFake;
  fake.mode = init.mode ?? 'ok';
  fake.color = init.color ?? { r: 255, g: 0, b: 0 };
  fake.img2img = [];
  fake.interrupts = 0;
  fake.progressCalls = 0;
  return fake;
}
