import type OpenAI from 'openai';
import type { ResolvedProfile } from './profiles.js';
import { withRetries } from './retry.js';
import { lazyClient } from './sdk.js';

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
  signal?: AbortSignal;
}

export interface VisionClientOptions {
  /** Longer side of the JPEG sent to the model. */
  maxSide: number;
  jpegQuality: number;
  maxRetryAfterMs: number;
}

/**
 * A vision model behind an OpenAI-compatible chat endpoint: one request with the photo as an
 * image content part (a downscaled JPEG data URL, detail "low"). JSON mode when the profile has
 * structured output. At most one retry: suggestions are optional and must not keep the user waiting.
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
  async ask(req: VisionRequest): Promise<{ content?: string; refusal?: string }> {
    const { profile } = this;
    const url = await imageDataUrl(req.image, this.opts.maxSide, this.opts.jpegQuality);
    const completion = await withRetries(
      async () =>
        (await this.client()).chat.completions.create(
          {
            model: profile.model,
            temperature: 0.4,
            max_tokens: 700,
            messages: [
              { role: 'system', content: req.system },
              {
                role: 'user',
                content: [
                  { type: 'text', text: req.text },
                  { type: 'image_url', image_url: { url, detail: 'low' } },
                ],
              },
            ],
            ...(profile.structuredOutput ? { response_format: { type: 'json_object' as const } } : {}),
          },
          { signal: req.signal },
        ),
      { maxRetries: Math.min(profile.maxRetries, 1), maxRetryAfterMs: this.opts.maxRetryAfterMs, signal: req.signal },
    );
    const message = completion.choices[0]?.message;
    if (!message) return {};
    if (message.refusal) return { refusal: message.refusal };
    return { content: message.content ?? '' };
  }
}
