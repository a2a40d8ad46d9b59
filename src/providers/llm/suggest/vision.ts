import type OpenAI from 'openai';
import type { PromptsConfig } from '../../../config/schemas/prompts.js';
import { t, type Locale } from '../../../i18n/index.js';
import type { CommandLanguage } from '../../../pipeline/commands/index.js';
import { childLogger } from '../../../util/logger.js';
import type { HealthStatus } from '../../../core/health.js';
import type { ResolvedProfile } from '../profiles.js';
import { fill, numberedLabels } from '../prompts.js';
import { withRetries } from '../retry.js';
import { lazyClient } from '../sdk.js';
import { objectToWire } from '../structured.js';
import type { Suggester, SuggestRequest, Suggestion } from '../types.js';

export interface VisionSuggesterOptions {
  profile: ResolvedProfile;
  language: CommandLanguage;
  prompts: PromptsConfig;
  maxSide: number;
  jpegQuality: number;
  maxSuggestions: number;
  maxRetryAfterMs: number;
  /** Answers when the vision model cannot (down, refusal, nothing valid). */
  fallback: Suggester;
}

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

async function parseObject(text: string): Promise<unknown> {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  const body = text.slice(start, Math.max(text.lastIndexOf('}'), text.lastIndexOf(']')) + 1);
  try {
    return JSON.parse(body);
  } catch {
    try {
      const { jsonrepair } = await import('jsonrepair');
      return JSON.parse(jsonrepair(body));
    } catch {
      return undefined;
    }
  }
}

function cleanSentence(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined;
  const one = s.replace(/\s+/g, ' ').trim();
  return one ? one.slice(0, 200) : undefined;
}

/** Suggestions from a vision model (chat completions with an image content part). */
export class VisionSuggester implements Suggester {
  private readonly client: () => Promise<OpenAI>;
  private readonly log = childLogger({ module: 'vision' });

  constructor(private readonly opts: VisionSuggesterOptions) {
    this.client = lazyClient({ apiKey: opts.profile.apiKey, baseURL: opts.profile.baseURL, timeout: opts.profile.timeoutMs, maxRetries: 0 });
  }

  async health(): Promise<HealthStatus> {
    return { name: `vision:${this.opts.profile.model}`, state: 'ok', detail: t('en', 'plan.vision_ok') };
  }

  async suggest(req: SuggestRequest): Promise<Suggestion[]> {
    try {
      const out = await this.ask(req);
      if (out.length > 0) return out;
    } catch (err) {
      if (req.signal?.aborted) throw err;
      this.log.warn({ err: (err as Error).message }, 'vision suggestions failed; using heuristic suggestions');
    }
    return this.opts.fallback.suggest(req);
  }

  private async ask(req: SuggestRequest): Promise<Suggestion[]> {
    const { profile, language, prompts } = this.opts;
    const p = prompts.vision[req.locale];
    const url = await imageDataUrl(req.image, this.opts.maxSide, this.opts.jpegQuality);
    const system = fill(p.system, {
      max: this.opts.maxSuggestions,
      commands: language.describeForPrompt(req.locale),
      labels: numberedLabels(req.labels),
    });
    const completion = await withRetries(
      async () =>
        (await this.client()).chat.completions.create(
          {
            model: profile.model,
            temperature: 0.4,
            max_tokens: 700,
            messages: [
              { role: 'system', content: system.trim() },
              {
                role: 'user',
                content: [
                  { type: 'text', text: p.user },
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
    if (!message || message.refusal) return [];
    const parsed = await parseObject(message.content ?? '');
    const list = Array.isArray(parsed) ? parsed : (parsed as { suggestions?: unknown })?.suggestions;
    if (!Array.isArray(list)) return [];
    const out: Suggestion[] = [];
    for (const item of list) {
      if (out.length >= this.opts.maxSuggestions) break;
      if (typeof item !== 'object' || item === null) continue;
      const { sentence, ...rest } = item as Record<string, unknown>;
      const { commands } = language.validate([objectToWire(rest, language)], { labels: req.labels });
      const command = commands[0];
      if (!command || command.command === 'advice') continue;
      out.push({ command, sentence: cleanSentence(sentence) ?? describe(language, command.command, req.locale) });
    }
    return out;
  }
}

function describe(language: CommandLanguage, name: string, locale: Locale): string {
  return language.rule(name)?.description[locale] ?? name;
}
