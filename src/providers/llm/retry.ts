import { setTimeout } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { LlmUnavailableError } from './errors.js';
import { loadOpenAiSdk } from './sdk.js';

export interface RetryOptions {
  maxRetries: number;
  /** A Retry-After longer than this is not waited for: the caller falls back instead. */
  maxRetryAfterMs: number;
  /** First backoff step for errors without Retry-After (doubles each time, capped at 8 s). */
  baseDelayMs?: number;
  signal?: AbortSignal;
}

/** Retry-After in milliseconds: `retry-after-ms`, seconds, or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** An answer worth another try, after `waitMs`. */
class RetryLater extends LlmUnavailableError {
  constructor(
    reason: ConstructorParameters<typeof LlmUnavailableError>[0],
    detail: string,
    readonly waitMs: number,
    cause: unknown,
  ) {
    super(reason, detail, { cause });
  }
}

/**
 * Calls `fn` with our own retry policy instead of the SDK's (which is switched off), because
 * the SDK waits for any Retry-After however long: a user in a chat should get the offline plan
 * rather than wait minutes. 429 and 5xx are retried (Retry-After honoured up to a bound),
 * timeouts are not (the user already waited), and errors become LlmUnavailableError. p-retry runs
 * the loop; the wait of each attempt is the server's Retry-After, so it is slept in onFailedAttempt.
 */
export async function withRetries<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 500;
  const backoff = (attempt: number) => Math.min(base * 2 ** (attempt - 1), 8000);
  return pRetry(
    async (attempt) => {
      try {
        return await fn();
      } catch (err) {
        throw await classify(err, opts, backoff(attempt), attempt > opts.maxRetries);
      }
    },
    {
      retries: opts.maxRetries,
      minTimeout: 0,
      maxTimeout: 0,
      signal: opts.signal,
      onFailedAttempt: (e) => setTimeout((e as unknown as RetryLater).waitMs, undefined, { signal: opts.signal }),
    },
  );
}

/** What a failed call means: wait and retry (RetryLater), or stop (AbortError around the reason). */
async function classify(err: unknown, opts: RetryOptions, backoffMs: number, last: boolean): Promise<Error> {
  // Already loaded by the client that threw; imported here so this module stays cheap to load.
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = await loadOpenAiSdk();
  const stop = (e: unknown) => new AbortError(e instanceof Error ? e : new Error(String(e)));
  if (err instanceof APIUserAbortError || opts.signal?.aborted) return stop(opts.signal?.reason ?? err);
  if (err instanceof APIConnectionTimeoutError) return stop(new LlmUnavailableError('timeout', 'the LLM server did not answer in time', { cause: err }));
  if (err instanceof APIConnectionError) {
    if (last) return stop(new LlmUnavailableError('connection', 'the LLM server could not be reached', { cause: err }));
    return new RetryLater('connection', 'the LLM server could not be reached', backoffMs, err);
  }
  if (err instanceof APIError) {
    const status = err.status ?? 0;
    const retryable = status === 429 || status === 408 || status === 409 || status >= 500;
    if (!retryable) return stop(new LlmUnavailableError(status === 401 || status === 403 ? 'auth' : 'bad_request', `the LLM server answered ${status}`, { cause: err }));
    const reason = status === 429 ? 'rate_limited' : 'server_error';
    const wait = retryAfterMs(err.headers) ?? backoffMs;
    if (last || wait > opts.maxRetryAfterMs) {
      return stop(new LlmUnavailableError(reason, `the LLM server answered ${status}${last ? ' after retries' : `, asking to wait ${Math.round(wait / 1000)} s`}`, { cause: err }));
    }
    return new RetryLater(reason, `the LLM server answered ${status}`, wait, err);
  }
  return stop(err);
}
