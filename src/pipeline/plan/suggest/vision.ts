import type { PromptsConfig } from '../../../config/schemas/prompts.js';
import { cleanSentence, readJsonReply } from '../../model-reply.js';
import type { HealthStatus } from '../../../core/health.js';
import { t, type Locale } from '../../../i18n/index.js';
import type { ResolvedProfile } from '../../../providers/llm/profiles.js';
import { VisionClient } from '../../../providers/llm/vision.js';
import { childLogger } from '../../../util/logger.js';
import type { CommandLanguage } from '../../commands/index.js';
import { fill, numberedLabels } from '../prompts.js';
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



/**
 * Suggestions from a vision model: the prompt (commands and the photo's labels), the model's
 * answer mapped to validated commands, and the heuristic suggestions when the model cannot help.
 */
export class VisionSuggester implements Suggester {
  private readonly client: VisionClient;
  private readonly log = childLogger({ module: 'vision' });

  constructor(private readonly opts: VisionSuggesterOptions) {
    this.client = new VisionClient(opts.profile, { maxSide: opts.maxSide, jpegQuality: opts.jpegQuality, maxRetryAfterMs: opts.maxRetryAfterMs });
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
    const { language, prompts } = this.opts;
    const p = prompts.vision[req.locale];
    const system = fill(p.system, {
      max: this.opts.maxSuggestions,
      commands: language.describeForPrompt(req.locale),
      labels: numberedLabels(req.labels),
    });
    const answer = await this.client.ask({ system: system.trim(), text: p.user, image: req.image, signal: req.signal });
    if (answer.content === undefined) return [];
    return this.toSuggestions(await readJsonReply(answer.content), req);
  }

  /** The model's answer (`{"suggestions": [...]}` or a bare array) → validated commands with their sentences. */
  private toSuggestions(parsed: unknown, req: SuggestRequest): Suggestion[] {
    const { language } = this.opts;
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
      out.push({ command, sentence: cleanSentence(sentence, 200) ?? describe(language, command.command, req.locale) });
    }
    return out;
  }
}

function describe(language: CommandLanguage, name: string, locale: Locale): string {
  return language.rule(name)?.description[locale] ?? name;
}
