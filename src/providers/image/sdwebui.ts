import type { BackendsConfig } from '../../config/schemas/backends.js';
import type { Template } from '../../config/schemas/templates.js';
import { UserFacingError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import type { HealthStatus } from '../../core/health.js';
import { encodeMaskPng } from '../../core/mask-png.js';
import { errorBodyDetail, shortDetail } from './errors.js';
import type { GenerateRequest, ImageBackend } from './types.js';

export interface Lora {
  name: string;
  alias?: string;
}

/**
 * AUTOMATIC1111 / Forge WebUI over its HTTP API: img2img inpainting with a mask, a ControlNet unit
 * from the template, face swap through the ReActor always-on script, progress polling and
 * interrupt on cancel.
 */
export class SdWebuiBackend implements ImageBackend {
  readonly name = 'sd-webui';
  private readonly base: string | undefined;

  constructor(
    url: string | undefined,
    private readonly cfg: BackendsConfig['sdWebui'],
  ) {
    this.base = url?.replace(/\/+$/, '');
  }

  configured(): boolean {
    return Boolean(this.base);
  }

  supports(_template: Template): boolean {
    return true;
  }

  /** Long side at the working size, both sides multiples of 8 as SD requires. */
  workingSize(width: number, height: number): { width: number; height: number } {
    const long = this.cfg.workingSize;
    const scale = long / Math.max(width, height);
    const round8 = (v: number) => Math.max(64, Math.round((v * scale) / 8) * 8);
    return width >= height ? { width: long, height: round8(height) } : { width: round8(width), height: long };
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    if (!this.base) return { name: this.name, state: 'off', detail: 'not configured: set SD_WEBUI_URL' };
    const t0 = Date.now();
    try {
      const options = (await this.getJson('/sdapi/v1/options', signal, this.cfg.healthTimeoutMs)) as { sd_model_checkpoint?: string };
      const latencyMs = Date.now() - t0;
      let loras = '?';
      try {
        loras = String((await this.listLoras(signal)).length);
      } catch {
        /* LoRA listing is optional (older builds) */
      }
      return {
        name: this.name,
        state: 'ok',
        detail: `SD WebUI answers at ${this.base} (model: ${options.sd_model_checkpoint ?? 'unknown'}; ${loras} LoRA(s))`,
        latencyMs,
      };
    } catch (err) {
      return { name: this.name, state: 'down', detail: `SD WebUI at ${this.base} does not answer (${shortDetail(err)}); start it with --api or fix SD_WEBUI_URL`, latencyMs: Date.now() - t0 };
    }
  }

  async listLoras(signal?: AbortSignal): Promise<Lora[]> {
    const list = (await this.getJson('/sdapi/v1/loras', signal, this.cfg.healthTimeoutMs)) as { name?: string; alias?: string }[];
    return Array.isArray(list) ? list.filter((l) => typeof l?.name === 'string').map((l) => ({ name: l.name!, alias: l.alias })) : [];
  }

  async generate(req: GenerateRequest): Promise<Buffer> {
    if (!this.base) throw new UserFacingError('execute.skip.no_generative_backend');
    if (req.signal?.aborted) throw new UserFacingError('execute.cancelled');
    const body = await this.buildBody(req);
    const timeout = AbortSignal.timeout(this.cfg.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const stopPolling = this.pollProgress(req.onProgress, signal);
    const onAbort = () => void this.interrupt();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await fetch(`${this.base}/sdapi/v1/img2img`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
      const text = await res.text();
      if (!res.ok) throw new UserFacingError('execute.backend.http_error', { backend: this.name, status: res.status, detail: errorBodyDetail(text) });
      let json: { images?: unknown };
      try {
        json = JSON.parse(text) as { images?: unknown };
      } catch {
        throw new UserFacingError('execute.backend.bad_image', { backend: this.name, detail: /<html|<!doctype/i.test(text) ? 'an HTML page' : 'a reply that is not JSON' });
      }
      const first = Array.isArray(json.images) ? json.images[0] : undefined;
      if (typeof first !== 'string' || !first) throw new UserFacingError('execute.backend.bad_image', { backend: this.name, detail: 'no image in the reply' });
      req.onProgress?.(1);
      return Buffer.from(first.replace(/^data:image\/\w+;base64,/, ''), 'base64');
    } catch (err) {
      throw this.translate(err, req.signal, timeout);
    } finally {
      stopPolling();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async buildBody(req: GenerateRequest): Promise<Record<string, unknown>> {
    const { template, params } = req;
    const image = req.image.toString('base64');
    const mask = (await encodeMaskPng(req.mask)).toString('base64');
    const scripts: Record<string, { args: unknown[] }> = {};
    if (template.controlnet?.enabled) {
      const cn = template.controlnet;
      scripts.controlnet = {
        args: [
          {
            enabled: true,
            module: cn.module,
            model: cn.model,
            weight: cn.weight,
            threshold_a: cn.threshold_a,
            threshold_b: cn.threshold_b,
            processor_res: Math.min(cn.processor_res, Math.max(req.width, req.height)),
            control_mode: cn.control_mode,
            pixel_perfect: cn.pixel_perfect,
            guidance_start: cn.guidance_start,
            guidance_end: cn.guidance_end,
            resize_mode: 'Crop and Resize',
          },
        ],
      };
    }
    if (template.faceSwap && req.faceSource) {
      const r = this.cfg.reactor;
      // ReActor's positional API arguments (sd-webui-reactor README, "API" section).
      scripts[r.script] = {
        args: [req.faceSource.toString('base64'), true, '0', '0', r.model, r.restoreFace, 1, true, 'None', 1, 1, false, true, 1, 0, 0, false, 0.8, false, false, r.device, true, 0],
      };
    }
    const pick = (k: string) => params[k];
    const body: Record<string, unknown> = {
      ...Object.fromEntries(Object.entries(params).filter(([k]) => !['prompt', 'negative_prompt', 'strength', 'labels', 'text'].includes(k))),
      init_images: [image],
      mask,
      prompt: req.prompt,
      negative_prompt: req.negativePrompt,
      width: req.width,
      height: req.height,
      sampler_name: pick('sampler_name') ?? 'DPM++ 2M',
      steps: pick('steps') ?? 40,
      cfg_scale: pick('cfg_scale') ?? 7,
      seed: pick('seed') ?? -1,
      denoising_strength: pick('denoising_strength') ?? 0.75,
      inpaint_full_res: false,
      send_images: true,
      save_images: false,
    };
    delete body.sampler_index;
    if (Object.keys(scripts).length) body.alwayson_scripts = scripts;
    return body;
  }

  private pollProgress(onProgress: ((f: number) => void) | undefined, signal: AbortSignal): () => void {
    if (!onProgress) return () => {};
    let stopped = false;
    const tick = async () => {
      if (stopped || signal.aborted) return;
      try {
        const p = (await this.getJson('/sdapi/v1/progress?skip_current_image=true', signal, this.cfg.healthTimeoutMs)) as { progress?: number };
        if (!stopped && typeof p.progress === 'number' && p.progress > 0) onProgress(Math.min(0.99, p.progress));
      } catch {
        /* progress is best effort */
      }
      if (!stopped) timer = setTimeout(tick, this.cfg.progressIntervalMs);
    };
    let timer: NodeJS.Timeout = setTimeout(tick, this.cfg.progressIntervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Asks SD WebUI to stop the running job (cancel / timeout). */
  async interrupt(): Promise<void> {
    if (!this.base) return;
    try {
      await fetch(`${this.base}/sdapi/v1/interrupt`, { method: 'POST', signal: AbortSignal.timeout(this.cfg.healthTimeoutMs) });
    } catch (err) {
      getLogger().warn({ err: shortDetail(err) }, 'sd-webui interrupt failed');
    }
  }

  private async getJson(path: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<unknown> {
    const t = AbortSignal.timeout(timeoutMs);
    const res = await fetch(`${this.base}${path}`, { signal: signal ? AbortSignal.any([signal, t]) : t });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${errorBodyDetail(text)}`);
    return JSON.parse(text) as unknown;
  }

  private translate(err: unknown, userSignal: AbortSignal | undefined, timeout: AbortSignal): unknown {
    if (err instanceof UserFacingError) return err;
    if (userSignal?.aborted) return new UserFacingError('execute.cancelled', {}, { cause: err });
    if (timeout.aborted) return new UserFacingError('execute.backend.timeout', { backend: this.name, seconds: Math.round(this.cfg.timeoutMs / 1000) }, { cause: err });
    return new UserFacingError('execute.backend.down', { backend: this.name, detail: shortDetail(err), env: 'SD_WEBUI_URL' }, { cause: err });
  }
}
