import type { SafetyConfig, SafetyLevel } from '../../config/schemas/safety.js';
import type { MessageKey } from '../../i18n/index.js';
import { childLogger, type Logger } from '../../util/logger.js';
import type { Policy } from './policy.js';

/** A moderation endpoint (providers/llm ModerationClient, or a test double). */
export interface Moderator {
  readonly model: string;
  moderate(input: { text?: string; image?: Buffer; signal?: AbortSignal }): Promise<{ flagged: boolean; categories: string[]; scores: Record<string, number> }>;
}

/** A local image classifier (providers/nsfw NsfwClassifier, or a test double). */
export interface ImageClassifier {
  readonly name: string;
  classify(image: Buffer, signal?: AbortSignal): Promise<{ unsafe: number }>;
}

export type SafetySource = 'deny-list' | 'moderation' | 'classifier' | 'none';

/**
 * What the gate decided. A refusal names a category (for the log and, in the user's language, for
 * the user), never the words or pixels that caused it.
 */
export type SafetyVerdict =
  | { allowed: true; checkedBy: SafetySource; failedOpen?: boolean }
  | { allowed: false; reason: 'flagged'; category: string; source: Exclude<SafetySource, 'none'> }
  | { allowed: false; reason: 'unavailable'; source: SafetySource };

export interface ContentGateOptions {
  config: Pick<SafetyConfig, 'moderation' | 'nsfw'>;
  /** The moderation endpoint, when a key is configured. */
  moderator?: Moderator;
  /** The local classifier, used for images when there is no moderator. */
  classifier?: ImageClassifier;
  logger?: Logger;
}

/**
 * Content safety before planning and before posting. Text: the deny list, then moderation (a
 * moderation outage fails open at `standard`, closed at `strict`). Images: moderation, else the
 * local classifier; an outage always fails closed, and `strict` refuses results when nothing can
 * check them at all. `off` checks nothing.
 */
export class ContentGate {
  private readonly log: Logger;

  constructor(private readonly opts: ContentGateOptions) {
    this.log = opts.logger ?? childLogger({ module: 'safety' });
  }

  /** Whether result images can be checked at all (moderation or a local classifier). */
  get imageChecker(): 'moderation' | 'classifier' | 'none' {
    return this.opts.moderator ? 'moderation' : this.opts.classifier ? 'classifier' : 'none';
  }

  /** The deny list only (synchronous): for the prompts a planner wrote into commands. */
  checkTerms(texts: readonly string[], policy: Policy): SafetyVerdict {
    if (policy.level === 'off') return { allowed: true, checkedBy: 'none' };
    for (const text of texts) {
      const category = policy.deny.match(text);
      if (category) return { allowed: false, reason: 'flagged', category, source: 'deny-list' };
    }
    return { allowed: true, checkedBy: 'deny-list' };
  }

  /** An instruction, before planning. */
  async checkText(text: string, policy: Policy, signal?: AbortSignal): Promise<SafetyVerdict> {
    if (policy.level === 'off') return { allowed: true, checkedBy: 'none' };
    const listed = this.checkTerms([text], policy);
    if (!listed.allowed) return listed;
    const { moderator } = this.opts;
    if (!moderator || !text.trim()) return listed;
    try {
      const result = await moderator.moderate({ text, signal });
      const category = this.blocking(result, policy.level);
      return category ? { allowed: false, reason: 'flagged', category, source: 'moderation' } : { allowed: true, checkedBy: 'moderation' };
    } catch (err) {
      if (signal?.aborted) throw err;
      this.outage('text', err, policy.level === 'strict' ? 'closed' : 'open');
      return policy.level === 'strict' ? { allowed: false, reason: 'unavailable', source: 'moderation' } : { allowed: true, checkedBy: 'moderation', failedOpen: true };
    }
  }

  /** A result image, before posting. */
  async checkImage(image: Buffer, policy: Policy, signal?: AbortSignal): Promise<SafetyVerdict> {
    if (policy.level === 'off') return { allowed: true, checkedBy: 'none' };
    const { moderator, classifier, config } = this.opts;
    if (moderator) {
      try {
        const result = await moderator.moderate({ image, signal });
        const category = this.blocking(result, policy.level);
        return category ? { allowed: false, reason: 'flagged', category, source: 'moderation' } : { allowed: true, checkedBy: 'moderation' };
      } catch (err) {
        if (signal?.aborted) throw err;
        this.outage('image', err, 'closed');
        return { allowed: false, reason: 'unavailable', source: 'moderation' };
      }
    }
    if (classifier) {
      try {
        const { unsafe } = await classifier.classify(image, signal);
        const threshold = config.nsfw.threshold[policy.level];
        return unsafe >= threshold ? { allowed: false, reason: 'flagged', category: 'sexual', source: 'classifier' } : { allowed: true, checkedBy: 'classifier' };
      } catch (err) {
        if (signal?.aborted) throw err;
        this.outage('image', err, 'closed');
        return { allowed: false, reason: 'unavailable', source: 'classifier' };
      }
    }
    // Nothing can look at images: standard posts them (start-up says so), strict does not.
    return policy.level === 'strict' ? { allowed: false, reason: 'unavailable', source: 'none' } : { allowed: true, checkedBy: 'none' };
  }

  /** The category that blocks, if any: a flagged one, or at `strict` any scoring at least strictScore. */
  private blocking(result: { flagged: boolean; categories: string[]; scores: Record<string, number> }, level: SafetyLevel): string | undefined {
    const ignored = new Set(this.opts.config.moderation.ignoreCategories);
    const score = (c: string) => result.scores[c] ?? 0;
    const flagged = result.categories.filter((c) => !ignored.has(c)).sort((a, b) => score(b) - score(a));
    if (flagged.length) return flagged[0];
    if (level !== 'strict') return undefined;
    const strictScore = this.opts.config.moderation.strictScore;
    const high = Object.keys(result.scores)
      .filter((c) => !ignored.has(c) && score(c) >= strictScore)
      .sort((a, b) => score(b) - score(a));
    return high[0];
  }

  private outage(kind: 'text' | 'image', err: unknown, fails: 'open' | 'closed'): void {
    const reason = (err as { reason?: string }).reason ?? (err instanceof Error ? err.name : 'error');
    this.log.warn({ check: kind, reason, fails }, `content check unavailable: failing ${fails}`);
  }
}

/** The message key naming a category in the user's language. */
export function categoryKey(category: string): MessageKey {
  if (category === 'sexual/minors') return 'safety.category.sexual_minors';
  if (category === 'violence/graphic') return 'safety.category.violence_graphic';
  const head = category.split('/')[0];
  switch (head) {
    case 'sexual':
      return 'safety.category.sexual';
    case 'harassment':
      return 'safety.category.harassment';
    case 'hate':
      return 'safety.category.hate';
    case 'illicit':
      return 'safety.category.illicit';
    case 'self-harm':
      return 'safety.category.self_harm';
    case 'violence':
      return 'safety.category.violence';
    default:
      return 'safety.category.other';
  }
}

/** The message key of a refusal, by stage and verdict. */
export function refusalKey(stage: 'prompt' | 'output', verdict: Extract<SafetyVerdict, { allowed: false }>): MessageKey {
  if (verdict.reason === 'flagged') return stage === 'prompt' ? 'safety.refused_prompt' : 'safety.refused_output';
  if (stage === 'output' && verdict.source === 'none') return 'safety.no_image_check';
  return stage === 'prompt' ? 'safety.unavailable_prompt' : 'safety.unavailable_output';
}
