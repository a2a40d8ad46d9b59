import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { PromptsConfig } from '../../config/schemas/prompts.js';
import { detectTextLocale, t } from '../../i18n/index.js';
import type { CommandLanguage, Rejection } from '../../pipeline/commands/index.js';
import { childLogger } from '../../util/logger.js';
import type { HealthStatus } from '../../core/health.js';
import { LlmRefusalError, LlmUnavailableError } from './errors.js';
import type { ResolvedProfile } from './profiles.js';
import { buildPlanMessages, repairMessage } from './prompts.js';
import { withRetries } from './retry.js';
import { lazyClient } from './sdk.js';
import { objectToWire, responseFormat, structuredItems } from './structured.js';
import type { Planner, PlanRequest, PlanResult } from './types.js';

export interface OpenAIPlannerOptions {
  profile: ResolvedProfile;
  language: CommandLanguage;
  prompts: PromptsConfig;
  maxRetryAfterMs: number;
  /** First backoff step for retries without Retry-After (tests make it small). */
  retryBaseDelayMs?: number;
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

/** An OpenAI-compatible chat model as planner: prompt → reply → extract → validate → (one repair) → merge. */
export class OpenAIPlanner implements Planner {
  readonly name: string;
  private readonly client: () => Promise<OpenAI>;
  private readonly log = childLogger({ module: 'llm' });
  private structured: boolean;

  constructor(private readonly opts: OpenAIPlannerOptions) {
    this.name = `${opts.profile.name}:${opts.profile.model}`;
    this.structured = opts.profile.structuredOutput;
    this.client = lazyClient({
      apiKey: opts.profile.apiKey,
      baseURL: opts.profile.baseURL,
      timeout: opts.profile.timeoutMs,
      maxRetries: 0, // withRetries() owns the policy
    });
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    const started = Date.now();
    const name = `llm:${this.name}`;
    try {
      await (await this.client()).models.list({ signal, timeout: Math.min(this.opts.profile.timeoutMs, 5000) });
      return { name, state: 'ok', detail: t('en', 'plan.health_ok'), latencyMs: Date.now() - started };
    } catch (err) {
      // Some compatible servers have no /models: any HTTP answer but 401/403 still means "up".
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status !== 401 && status !== 403 && status < 500) {
        return { name, state: 'ok', detail: t('en', 'plan.health_ok'), latencyMs: Date.now() - started };
      }
      const detail = typeof status === 'number' ? `HTTP ${status}` : (err as Error).name;
      return { name, state: 'down', detail: t('en', 'plan.health_down', { url: this.opts.profile.baseURL, detail }) };
    }
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
    const usage = { promptTokens: 0, completionTokens: 0 };
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

  private result(a: Attempt, repaired: boolean, usage: { promptTokens: number; completionTokens: number }): PlanResult {
    return {
      commands: this.opts.language.mergeAndSort(a.commands),
      rejected: a.rejected,
      planner: this.name,
      repaired,
      raw: a.raw,
      usage,
    };
  }

  private async attempt(messages: ChatCompletionMessageParam[], req: PlanRequest, usage: { promptTokens: number; completionTokens: number }): Promise<Attempt> {
    const completion = await this.complete(messages, req, usage);
    const choice = completion.choices[0];
    const message = choice?.message;
    if (message?.refusal) throw new LlmRefusalError(message.refusal);
    if (choice?.finish_reason === 'content_filter') throw new LlmRefusalError('content filter');
    const raw = message?.content ?? '';
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

  private async complete(messages: ChatCompletionMessageParam[], req: PlanRequest, usage: { promptTokens: number; completionTokens: number }): Promise<ChatCompletion> {
    const { profile } = this.opts;
    const call = (structured: boolean) =>
      withRetries(
        async () =>
          (await this.client()).chat.completions.create(
            {
              model: profile.model,
              messages,
              temperature: profile.temperature,
              max_tokens: profile.maxTokens,
              ...(structured ? { response_format: responseFormat(this.opts.language, req.labels) } : {}),
            },
            { signal: req.signal },
          ),
        { maxRetries: profile.maxRetries, maxRetryAfterMs: this.opts.maxRetryAfterMs, baseDelayMs: this.opts.retryBaseDelayMs, signal: req.signal },
      );
    let completion: ChatCompletion;
    try {
      completion = await call(this.structured);
    } catch (err) {
      // A server without structured output answers 400 to response_format: plan with the thesis prompt from now on.
      if (!(err instanceof LlmUnavailableError) || err.reason !== 'bad_request' || !this.structured) throw err;
      this.log.warn({ planner: this.name }, 'structured output refused by the server; using the JSON-array prompt');
      this.structured = false;
      throw new StructuredUnsupported();
    }
    usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
    usage.completionTokens += completion.usage?.completion_tokens ?? 0;
    return completion;
  }
}

function isEmptyAnswer(raw: string): boolean {
  return /^\s*(```(json)?\s*)?(\[\s*\]|\{\s*"commands"\s*:\s*\[\s*\]\s*\})\s*(```)?\s*$/.test(raw);
}
