import type OpenAI from 'openai';
import { t } from '../../i18n/index.js';
import type { HealthStatus } from '../../core/health.js';
import type { ResolvedProfile } from './profiles.js';
import { withRetries } from './retry.js';
import { lazyClient } from './sdk.js';
import type { ChatReply, ChatRequest } from './types.js';

export interface ChatClientOptions {
  /** A Retry-After longer than this is not waited for: the call fails and the caller falls back. */
  maxRetryAfterMs: number;
  /** First backoff step for retries without Retry-After (tests make it small). */
  retryBaseDelayMs?: number;
}

/**
 * An OpenAI-compatible chat model (OpenAI, Azure, vLLM, Ollama, LM Studio…) reached through the
 * openai SDK, with our retry policy (withRetries) instead of the SDK's. Failures to answer are
 * LlmUnavailableError; a server that rejects `response_format` answers `bad_request`.
 */
export class ChatClient {
  /** `profile:model`, e.g. "default:gpt-4o-mini". */
  readonly name: string;
  private readonly client: () => Promise<OpenAI>;

  constructor(
    readonly profile: ResolvedProfile,
    private readonly opts: ChatClientOptions,
  ) {
    this.name = `${profile.name}:${profile.model}`;
    this.client = lazyClient({
      apiKey: profile.apiKey,
      baseURL: profile.baseURL,
      timeout: profile.timeoutMs,
      maxRetries: 0, // withRetries() owns the policy
    });
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    const started = Date.now();
    const name = `llm:${this.name}`;
    try {
      await (await this.client()).models.list({ signal, timeout: Math.min(this.profile.timeoutMs, 5000) });
      return { name, state: 'ok', detail: t('en', 'plan.health_ok'), latencyMs: Date.now() - started };
    } catch (err) {
      // Some compatible servers have no /models: any HTTP answer but 401/403 still means "up".
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status !== 401 && status !== 403 && status < 500) {
        return { name, state: 'ok', detail: t('en', 'plan.health_ok'), latencyMs: Date.now() - started };
      }
      const detail = typeof status === 'number' ? `HTTP ${status}` : (err as Error).name;
      return { name, state: 'down', detail: t('en', 'plan.health_down', { url: this.profile.baseURL, detail }) };
    }
  }

  /** One chat completion with the profile's model, temperature and token limit. */
  async complete(req: ChatRequest): Promise<ChatReply> {
    const { profile } = this;
    const completion = await withRetries(
      async () =>
        (await this.client()).chat.completions.create(
          {
            model: profile.model,
            messages: [...req.messages],
            temperature: profile.temperature,
            max_tokens: profile.maxTokens,
            ...(req.jsonSchema ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.jsonSchema.name, strict: true, schema: req.jsonSchema.schema } } } : {}),
          },
          { signal: req.signal },
        ),
      { maxRetries: profile.maxRetries, maxRetryAfterMs: this.opts.maxRetryAfterMs, baseDelayMs: this.opts.retryBaseDelayMs, signal: req.signal },
    );
    const choice = completion.choices[0];
    const message = choice?.message;
    return {
      content: message?.content ?? '',
      ...(message?.refusal ? { refusal: message.refusal } : {}),
      ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}),
      usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
    };
  }
}
