import type { PromptsConfig } from '../../config/schemas/prompts.js';
import type { HealthStatus } from '../../core/health.js';
import type { Rejection } from '../../core/commands.js';
import { detectTextLocale } from '../../i18n/index.js';
import { ChatClient } from '../../providers/llm/chat.js';
import { LlmRefusalError, LlmUnavailableError } from '../../providers/llm/errors.js';
import type { ResolvedProfile } from '../../providers/llm/profiles.js';
import type { ChatMessage, TokenUsage } from '../../providers/llm/types.js';
import { childLogger } from '../../util/logger.js';
import type { CommandLanguage } from '../commands/index.js';
import { buildPlanMessages, repairMessage } from './prompts.js';
import { objectToWire, structuredItems, structuredOutputSchema } from './structured.js';
import type { Planner, PlanRequest, PlanResult } from './types.js';

export interface OpenAIPlannerOptions {
  profile: ResolvedProfile;
  language: CommandLanguage;
  prompts: PromptsConfig;
  maxRetryAfterMs: number;
  /** First backoff step for retries without Retry-After (tests make it small). */
  retryBaseDelayMs?: number;
  /** The model client (default: a ChatClient for `profile`). */
  client?: ChatClient;
}

/** Internal: the conversation must be rebuilt with the array prompt. */
class StructuredUnsupported extends Error {}

/** Prose that declines instead of answering, in the languages the prompts use. */
const REFUSAL = /^\s*(i'?m sorry|sorry,|i can(?:no|')t|i am unable|i won'?t|as an ai|抱歉|对不起|很抱歉|我无法|我不能)/i;

interface Attempt {
  raw: string;
  items: unknown[];
  commands: PlanResult['commands'];
  rejected: Rejection[];
}

/**
 * An OpenAI-compatible chat model as planner: prompt → reply → extract → validate → (one repair)
 * → merge. The model call itself (retries, Retry-After, errors) is the ChatClient's.
 */
export class OpenAIPlanner implements Planner {
  readonly name: string;
  private readonly client: ChatClient;
  private readonly log = childLogger({ module: 'llm' });
  private structured: boolean;

  constructor(private readonly opts: OpenAIPlannerOptions) {
    this.client = opts.client ?? new ChatClient(opts.profile, { maxRetryAfterMs: opts.maxRetryAfterMs, retryBaseDelayMs: opts.retryBaseDelayMs });
    this.name = this.client.name;
    this.structured = opts.profile.structuredOutput;
  }

  health(signal?: AbortSignal): Promise<HealthStatus> {
    return this.client.health(signal);
  }

  async plan(req: PlanRequest): Promise<PlanResult> {
    try {
      return await this.planOnce(req);
    } catch (err) {
      if (err instanceof StructuredUnsupported) return this.planOnce(req);
      throw err;
    }
  }

  private async planOnce(req: PlanRequest): Promise<PlanResult> {
    const locale = req.locale ?? detectTextLocale(req.instruction);
    const { profile, prompts, language } = this.opts;
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
    let messages = buildPlanMessages({
      prompts,
      template: profile.promptTemplate,
      locale,
      language,
      labels: req.labels,
      history: req.history,
      instruction: req.instruction,
      structured: this.structured,
    });

    const first = await this.attempt(messages, req, usage);
    if (first.rejected.length === 0 && (first.items.length > 0 || isEmptyAnswer(first.raw))) {
      return this.result(first, false, usage);
    }
    // One repair round that quotes why the answer could not be used.
    const reasons = first.rejected.map((r) => r.reason);
    if (reasons.length === 0) reasons.push('no JSON command list was found in the answer');
    messages = [
      ...messages,
      { role: 'assistant', content: first.raw },
      { role: 'user', content: repairMessage(prompts, profile.promptTemplate, locale, reasons) },
    ];
    this.log.info({ planner: this.name, rejected: reasons.length }, 'repair round');
    let second: Attempt;
    try {
      second = await this.attempt(messages, req, usage);
    } catch (err) {
      if (err instanceof LlmRefusalError) return this.result(first, true, usage);
      throw err;
    }
    const better = second.commands.length >= first.commands.length ? second : first;
    return this.result(better, true, usage);
  }

  private result(a: Attempt, repaired: boolean, usage: TokenUsage): PlanResult {
    return {
      commands: this.opts.language.mergeAndSort(a.commands),
      rejected: a.rejected,
      planner: this.name,
      repaired,
      raw: a.raw,
      usage,
    };
  }

  private async attempt(messages: ChatMessage[], req: PlanRequest, usage: TokenUsage): Promise<Attempt> {
    const reply = await this.complete(messages, req, usage);
    if (reply.refusal) throw new LlmRefusalError(reply.refusal);
    if (reply.finishReason === 'content_filter') throw new LlmRefusalError('content filter');
    const raw = reply.content;
    const { language } = this.opts;
    let items = this.structured ? structuredItems(raw, language) : undefined;
    let extractRejected: Rejection[] = [];
    if (!items) {
      const extracted = language.extract(raw);
      items = extracted.items.map((i) => objectToWire(i, language));
      extractRejected = extracted.rejected;
      if (items.length === 0 && REFUSAL.test(raw)) throw new LlmRefusalError(raw);
    }
    const validated = language.validate(items, { labels: req.labels });
    return { raw, items, commands: validated.commands, rejected: [...extractRejected, ...validated.rejected] };
  }

  private async complete(messages: ChatMessage[], req: PlanRequest, usage: TokenUsage) {
    let reply;
    try {
      reply = await this.client.complete({
        messages,
        ...(this.structured ? { jsonSchema: structuredOutputSchema(this.opts.language, req.labels) } : {}),
        signal: req.signal,
      });
    } catch (err) {
      // A server without structured output answers 400 to response_format: plan with the thesis prompt from now on.
      if (!(err instanceof LlmUnavailableError) || err.reason !== 'bad_request' || !this.structured) throw err;
      this.log.warn({ planner: this.name }, 'structured output refused by the server; using the JSON-array prompt');
      this.structured = false;
      throw new StructuredUnsupported();
    }
    usage.promptTokens += reply.usage.promptTokens;
    usage.completionTokens += reply.usage.completionTokens;
    return reply;
  }
}

function isEmptyAnswer(raw: string): boolean {
  return /^\s*(```(json)?\s*)?(\[\s*\]|\{\s*"commands"\s*:\s*\[\s*\]\s*\})\s*(```)?\s*$/.test(raw);
}
