import type OpenAI from 'openai';
import type { ResolvedProfile } from './profiles.js';
import { withRetries } from './retry.js';
import { lazyClient } from './sdk.js';
import type { TokenUsage } from './types.js';

/** A downscaled, upright JPEG data URL: vision models bill by pixels and see little more above ~768 px. */
export async function imageDataUrl(image: Buffer, maxSide: number, quality: number): Promise<string> {
  // Loaded here rather than at the top: importing the LLM module must stay cheap for the offline planner.
  const { default: sharp } = await import('sharp');
  const jpeg = await sharp(image, { failOn: 'none' })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

export interface VisionRequest {
  system: string;
  /** The user turn's text, sent with the photo. */
  text: string;
  image: Buffer;
  /** More photos after the first, in order (the result check sends "before" and "after"). */
  moreImages?: Buffer[];
  /** Strict structured output (`response_format: json_schema`) when the profile supports it; JSON mode otherwise. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

/** What the vision model answered, and what it cost. */
export interface VisionAnswer {
  content?: string;
  refusal?: string;
  usage?: TokenUsage;
}

export interface VisionClientOptions {
  /** Longer side of the JPEG sent to the model. */
  maxSide: number;
  jpegQuality: number;
  maxRetryAfterMs: number;
}

/**
 * A vision model behind an OpenAI-compatible chat endpoint: one request with the photo as an
 * image content part each (downscaled JPEG data URLs, detail "low"). With structured output, a
 * request's JSON schema (strict) or else JSON mode. At most one retry: suggestions are optional and must not keep the user waiting.
 */
export class VisionClient {
  readonly model: string;
  private readonly client: () => Promise<OpenAI>;

  constructor(
    readonly profile: ResolvedProfile,
    private readonly opts: VisionClientOptions,
  ) {
    this.model = profile.model;
    this.client = lazyClient({ apiKey: profile.apiKey, baseURL: profile.baseURL, timeout: profile.timeoutMs, maxRetries: 0 });
  }

  /** The model's text answer; `refusal` when it declined, `undefined` content when nothing came back. */
  async ask(req: VisionRequest): Promise<VisionAnswer> {
    const { profile } = this;
    const urls = await Promise.all([req.image, ...(req.moreImages ?? [])].map((img) => imageDataUrl(img, this.opts.maxSide, this.opts.jpegQuality)));
    const format = req.jsonSchema && profile.structuredOutput
      ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.jsonSchema.name, strict: true, schema: req.jsonSchema.schema } } }
      : profile.structuredOutput
        ? { response_format: { type: 'json_object' as const } }
        : {};
    const completion = await withRetries(
      async () =>
        (await this.client()).chat.completions.create(
          {
            model: profile.model,
            temperature: req.temperature ?? 0.4,
            max_tokens: req.maxTokens ?? 700,
            messages: [
              { role: 'system', content: req.system },
              {
                role: 'user',
                content: [
                  { type: 'text', text: req.text },
                  ...urls.map((url) => ({ type: 'image_url' as const, image_url: { url, detail: 'low' as const } })),
                ],
              },
            ],
            ...format,
          },
          { signal: req.signal },
        ),
      { maxRetries: Math.min(profile.maxRetries, 1), maxRetryAfterMs: this.opts.maxRetryAfterMs, signal: req.signal },
    );
    const message = completion.choices[0]?.message;
    const usage = completion.usage ? { promptTokens: completion.usage.prompt_tokens ?? 0, completionTokens: completion.usage.completion_tokens ?? 0 } : undefined;
    if (!message) return { usage };
    if (message.refusal) return { refusal: message.refusal, usage };
    return { content: message.content ?? '', usage };
  }
}
