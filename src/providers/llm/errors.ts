/** Why the LLM could not answer; the fallback planner turns any of these into the offline plan. */
export type UnavailableReason = 'timeout' | 'rate_limited' | 'server_error' | 'connection' | 'auth' | 'bad_request';

export class LlmUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmUnavailableError';
  }
}

/** The model declined (a refusal field, a content filter, or prose that says so). */
export class LlmRefusalError extends Error {
  constructor(readonly refusal: string) {
    super(`the model refused: ${refusal.slice(0, 200)}`);
    this.name = 'LlmRefusalError';
  }
}
