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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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

/**
 * Calls `fn` with our own retry policy instead of the SDK's (which is switched off), because
 * the SDK waits for any Retry-After however long: a user in a chat should get the offline plan
 * rather than wait minutes. 429 and 5xx are retried (Retry-After honoured up to a bound),
 * timeouts are not (the user already waited), and errors become LlmUnavailableError.
 */
export async function withRetries<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      // Already loaded by the client that threw; imported here so this module stays cheap to load.
      const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = await loadOpenAiSdk();
      if (err instanceof APIUserAbortError || opts.signal?.aborted) throw opts.signal?.reason ?? err;
      const last = attempt >= opts.maxRetries;
      if (err instanceof APIConnectionTimeoutError) throw new LlmUnavailableError('timeout', 'the LLM server did not answer in time', { cause: err });
      if (err instanceof APIConnectionError) {
        if (last) throw new LlmUnavailableError('connection', 'the LLM server could not be reached', { cause: err });
        await sleep(Math.min(base * 2 ** attempt, 8000), opts.signal);
        continue;
      }
      if (err instanceof APIError) {
        const status = err.status ?? 0;
        const retryable = status === 429 || status === 408 || status === 409 || status >= 500;
        if (!retryable) {
          const reason = status === 401 || status === 403 ? 'auth' : 'bad_request';
          throw new LlmUnavailableError(reason, `the LLM server answered ${status}`, { cause: err });
        }
        const reason = status === 429 ? 'rate_limited' : 'server_error';
        const wait = retryAfterMs(err.headers) ?? Math.min(base * 2 ** attempt, 8000);
        if (last || wait > opts.maxRetryAfterMs) {
          throw new LlmUnavailableError(reason, `the LLM server answered ${status}${last ? ' after retries' : `, asking to wait ${Math.round(wait / 1000)} s`}`, { cause: err });
        }
        await sleep(wait, opts.signal);
        continue;
      }
      throw err;
    }
  }
}
