import type OpenAI from 'openai';
import type { HealthStatus } from '../../core/health.js';
import { withRetries } from './retry.js';
import { lazyClient } from './sdk.js';
import { imageDataUrl } from './vision.js';

/** Where the moderation endpoint is and how patient to be with it. */
export interface ModerationClientOptions {
  baseURL: string;
  /** Never logged. */
  apiKey: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  maxRetryAfterMs: number;
  /** Longer side of the JPEG sent for an image. */
  imageMaxSide: number;
  retryBaseDelayMs?: number;
}

/** One moderation answer: the categories the model flagged and every category's score. */
export interface ModerationResult {
  flagged: boolean;
  /** Names of the flagged categories (`sexual`, `violence/graphic`…). */
  categories: string[];
  scores: Record<string, number>;
  /** Which input type each category was scored on (omni models: text, image). */
  appliedTo: Record<string, string[]>;
}

export interface ModerationInput {
  text?: string;
  image?: Buffer;
  signal?: AbortSignal;
}

/**
 * OpenAI's moderation endpoint (`POST /moderations`, omni-moderation-latest: text and images in one
 * request, one combined result) through the openai SDK with our retry policy. Failures to answer
 * are LlmUnavailableError; what to do about them (fail open or closed) is the caller's policy.
 */
export class ModerationClient {
  readonly model: string;
  private readonly client: () => Promise<OpenAI>;

  constructor(private readonly opts: ModerationClientOptions) {
    this.model = opts.model;
    this.client = lazyClient({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: 0 });
  }

  async moderate(input: ModerationInput): Promise<ModerationResult> {
    const parts: OpenAI.ModerationMultiModalInput[] = [];
    if (input.text !== undefined && input.text.trim()) parts.push({ type: 'text', text: input.text });
    if (input.image) parts.push({ type: 'image_url', image_url: { url: await imageDataUrl(input.image, this.opts.imageMaxSide, 85) } });
    if (parts.length === 0) return { flagged: false, categories: [], scores: {}, appliedTo: {} };
    const response = await withRetries(
      async () => (await this.client()).moderations.create({ model: this.opts.model, input: parts }, { signal: input.signal }),
      { maxRetries: this.opts.maxRetries, maxRetryAfterMs: this.opts.maxRetryAfterMs, baseDelayMs: this.opts.retryBaseDelayMs, signal: input.signal },
    );
    // Multi-modal input gets one combined result; be lenient with servers that send one per part.
    const results = response.results ?? [];
    const out: ModerationResult = { flagged: false, categories: [], scores: {}, appliedTo: {} };
    for (const r of results) {
      out.flagged ||= Boolean(r.flagged);
      for (const [name, on] of Object.entries(r.categories ?? {})) if (on && !out.categories.includes(name)) out.categories.push(name);
      for (const [name, score] of Object.entries(r.category_scores ?? {})) {
        if (typeof score === 'number') out.scores[name] = Math.max(out.scores[name] ?? 0, score);
      }
      for (const [name, kinds] of Object.entries(r.category_applied_input_types ?? {})) {
        if (Array.isArray(kinds)) out.appliedTo[name] = [...new Set([...(out.appliedTo[name] ?? []), ...kinds.map(String)])];
      }
    }
    return out;
  }

  async health(): Promise<HealthStatus> {
    return { name: `moderation:${this.model}`, state: 'ok', detail: `OpenAI moderation (${this.model}) at ${new URL(this.opts.baseURL).host}` };
  }
}
