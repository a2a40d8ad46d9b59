import type OpenAI from 'openai';

export type OpenAiSdk = typeof import('openai');

let sdk: Promise<OpenAiSdk> | undefined;

/**
 * The OpenAI SDK (~150 modules, ~130 ms to load) is imported on first use, so the offline
 * planner, `edit --offline` and `plan --offline` never pay for it.
 */
export function loadOpenAiSdk(): Promise<OpenAiSdk> {
  return (sdk ??= import('openai'));
}

/** A client built once, on first use. */
export function lazyClient(options: ConstructorParameters<typeof OpenAI>[0]): () => Promise<OpenAI> {
  let client: OpenAI | undefined;
  return async () => {
    if (client) return client;
    const { default: OpenAIClient } = await loadOpenAiSdk();
    return (client ??= new OpenAIClient(options));
  };
}
