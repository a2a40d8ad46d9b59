import type OpenAI from 'openai';

type OpenAiModule = typeof import('openai');
/** The SDK is loaded on first use: `edit` with local operations never pays for it. */
let sdkModule: Promise<OpenAiModule> | undefined;
const loadSdk = () => (sdkModule ??= import('openai'));
import type { BackendsConfig } from '../../config/schemas/backends.js';
import type { Template } from '../../config/schemas/templates.js';
import type { EnvSettings } from '../../config/env.js';
import { UserFacingError } from '../../util/errors.js';
import type { HealthStatus } from '../../core/health.js';
import { encodeAlphaMaskPng } from '../../core/mask-png.js';
import { shortDetail } from './errors.js';
import type { GenerateRequest, ImageBackend } from './types.js';

const GPT_IMAGE_SIZES = [
  { width: 1024, height: 1024 },
  { width: 1536, height: 1024 },
  { width: 1024, height: 1536 },
] as const;
const DALLE2_SIDES = [256, 512, 1024] as const;

/** Error codes OpenAI uses when its safety system refuses a request. */
const POLICY_CODES = new Set(['content_policy_violation', 'moderation_blocked', 'image_generation_user_error']);

/**
 * OpenAI image edits (gpt-image-1 / dall-e-2) through the official SDK. The mask is an RGBA PNG in
 * which transparent pixels are the ones to edit.
 */
export class OpenAiImagesBackend implements ImageBackend {
  readonly name = 'openai';
  private client: OpenAI | undefined;

  constructor(
    private readonly env: EnvSettings,
    private readonly cfg: BackendsConfig['openai'],
  ) {}

  configured(): boolean {
    return Boolean(this.env.openai.apiKey);
  }

  supports(template: Template): boolean {
    return !template.faceSwap;
  }

  get model(): string {
    return this.cfg.model;
  }

  /** gpt-image-1: the closest of 1024², 1536×1024, 1024×1536; dall-e-2: the smallest square ≥ the crop (max 1024). */
  workingSize(width: number, height: number): { width: number; height: number } {
    if (this.cfg.model === 'dall-e-2') {
      const side = DALLE2_SIDES.find((s) => s >= Math.max(width, height)) ?? 1024;
      return { width: side, height: side };
    }
    const aspect = width / height;
    let best: { width: number; height: number } = GPT_IMAGE_SIZES[0];
    for (const s of GPT_IMAGE_SIZES) {
      if (Math.abs(Math.log(s.width / s.height / aspect)) < Math.abs(Math.log(best.width / best.height / aspect))) best = s;
    }
    return { ...best };
  }

  private async sdk(): Promise<OpenAI> {
    const { default: OpenAIClient } = await loadSdk();
    this.client ??= new OpenAIClient({
      apiKey: this.env.openai.apiKey,
      baseURL: this.env.openai.baseUrl,
      timeout: this.cfg.timeoutMs,
      maxRetries: this.cfg.maxRetries,
    });
    return this.client;
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    if (!this.configured()) return { name: this.name, state: 'off', detail: 'not configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server)' };
    const t0 = Date.now();
    const sdk = await loadSdk();
    try {
      await (await this.sdk()).models.retrieve(this.cfg.model, { signal, timeout: 10_000, maxRetries: 0 });
      return { name: this.name, state: 'ok', detail: `OpenAI image edits ready (model ${this.cfg.model})`, latencyMs: Date.now() - t0 };
    } catch (err) {
      if (err instanceof sdk.NotFoundError) {
        return { name: this.name, state: 'degraded', detail: `the server does not list model ${this.cfg.model}; image edits may fail`, latencyMs: Date.now() - t0 };
      }
      return { name: this.name, state: 'down', detail: `OpenAI image edits unavailable (${shortDetail(err)}); check OPENAI_API_KEY / OPENAI_BASE_URL`, latencyMs: Date.now() - t0 };
    }
  }

  async generate(req: GenerateRequest): Promise<Buffer> {
    if (!this.configured()) throw new UserFacingError('execute.skip.no_generative_backend');
    const isDalle2 = this.cfg.model === 'dall-e-2';
    const sdk = await loadSdk();
    const { toFile } = sdk;
    const image = await toFile(req.image, 'image.png', { type: 'image/png' });
    const mask = await toFile(await encodeAlphaMaskPng(req.mask), 'mask.png', { type: 'image/png' });
    const prompt = [req.prompt].filter(Boolean).join(', ').slice(0, isDalle2 ? 1000 : 32000) || 'natural photo';
    try {
      const res = await (await this.sdk()).images.edit(
        {
          model: this.cfg.model,
          image,
          mask,
          prompt,
          n: 1,
          size: `${req.width}x${req.height}`,
          ...(isDalle2 ? { response_format: 'b64_json' as const } : { quality: this.cfg.quality }),
        },
        { signal: req.signal },
      );
      const item = res.data?.[0];
      if (item?.b64_json) return Buffer.from(item.b64_json, 'base64');
      if (item?.url) {
        const r = await fetch(item.url, { signal: req.signal });
        if (!r.ok) throw new UserFacingError('execute.backend.http_error', { backend: this.name, status: r.status, detail: 'image download failed' });
        return Buffer.from(await r.arrayBuffer());
      }
      throw new UserFacingError('execute.backend.bad_image', { backend: this.name, detail: 'no image in the reply' });
    } catch (err) {
      throw this.translate(sdk, err, req.signal);
    }
  }

  private translate(sdk: OpenAiModule, err: unknown, signal: AbortSignal | undefined): unknown {
    if (err instanceof UserFacingError) return err;
    if (signal?.aborted || err instanceof sdk.APIUserAbortError) return new UserFacingError('execute.cancelled', {}, { cause: err });
    if (err instanceof sdk.APIConnectionTimeoutError) {
      return new UserFacingError('execute.backend.timeout', { backend: this.name, seconds: Math.round(this.cfg.timeoutMs / 1000) }, { cause: err });
    }
    if (err instanceof sdk.APIConnectionError) {
      return new UserFacingError('execute.backend.down', { backend: this.name, detail: shortDetail(err), env: 'OPENAI_BASE_URL' }, { cause: err });
    }
    if (err instanceof sdk.APIError) {
      const message = String((err.error as { message?: string } | undefined)?.message ?? err.message);
      if ((err.code && POLICY_CODES.has(err.code)) || (err.status === 400 && /safety system|content policy|moderation/i.test(message))) {
        return new UserFacingError('execute.backend.content_policy', {}, { cause: err });
      }
      return new UserFacingError('execute.backend.http_error', { backend: this.name, status: err.status ?? 0, detail: message.slice(0, 160) }, { cause: err });
    }
    return new UserFacingError('execute.backend.down', { backend: this.name, detail: shortDetail(err), env: 'OPENAI_BASE_URL' }, { cause: err });
  }
}
