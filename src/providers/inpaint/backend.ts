import sharp from 'sharp';
import type { Template } from '../../config/schemas/templates.js';
import type { GenerateRequest, ImageBackend } from '../image/types.js';
import type { HealthStatus } from '../../core/health.js';
import type { InpaintModel } from './model.js';
import { workingSize } from './tensor.js';

/**
 * The embedded inpainting model as an image backend, so `erase` goes through the same chain,
 * crop planning and compositing as SD WebUI: it runs only erase templates (no prompt).
 */
export class InpaintBackend implements ImageBackend {
  readonly name = 'inpaint-model';
  constructor(readonly model: InpaintModel) {}

  configured(): boolean {
    return this.model.available();
  }

  supports(template: Template): boolean {
    return template.erase;
  }

  workingSize(width: number, height: number): { width: number; height: number } {
    return workingSize(this.model.card, width, height);
  }

  async generate(req: GenerateRequest): Promise<Buffer> {
    const { data, info } = await sharp(req.image).removeAlpha().toColourspace('srgb').resize(req.width, req.height, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const rgb = new Uint8Array(data.buffer, data.byteOffset, info.width * info.height * 3);
    req.onProgress?.(0.1);
    const out = await this.model.run(rgb, req.mask.data, info.width, info.height, req.signal);
    req.onProgress?.(1);
    return sharp(Buffer.from(out.rgb.buffer, out.rgb.byteOffset, out.rgb.byteLength), { raw: { width: info.width, height: info.height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
  }

  async health(): Promise<HealthStatus> {
    const name = `inpaint:${this.model.name}`;
    if (this.model.present()) return { name, state: 'ok', detail: 'embedded inpainting model for erase (local onnxruntime)' };
    if (this.model.available()) return { name, state: 'ok', detail: 'embedded inpainting model: downloaded on the first erase' };
    return { name, state: 'off', detail: `not installed: run \`chat-image-editor models fetch ${this.model.name}\`` };
  }
}
