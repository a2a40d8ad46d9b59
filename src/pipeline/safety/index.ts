import type { EnvSettings } from '../../config/env.js';
import type { SafetyConfig } from '../../config/schemas/safety.js';
import { ModerationClient } from '../../providers/llm/moderation.js';
import { NsfwClassifier } from '../../providers/nsfw/index.js';
import type { Logger } from '../../util/logger.js';
import { ContentGate } from './gate.js';

export { ContentGate, categoryKey, refusalKey, type ContentGateOptions, type ImageClassifier, type Moderator, type SafetySource, type SafetyVerdict } from './gate.js';
export { DenyList, normalizeText } from './deny.js';
export { PolicyBook, resolvePolicy, type Policy, type WorkspaceRef } from './policy.js';
export { decideFaceSwap, faceSwapCommands, type FaceSwapDecision, type FaceSwapRequest } from './face-swap.js';

const OPENAI_URL = 'https://api.openai.com/v1';

/** The moderation client the configuration and environment call for, if any. */
export function createModerator(env: EnvSettings, cfg: SafetyConfig, processEnv: NodeJS.ProcessEnv = process.env): ModerationClient | undefined {
  const m = cfg.moderation;
  if (m.enabled === false) return undefined;
  const key = (m.apiKeyEnv === 'OPENAI_API_KEY' ? env.openai.apiKey : undefined) ?? processEnv[m.apiKeyEnv]?.trim();
  if (!key) return undefined;
  return new ModerationClient({
    baseURL: m.baseURL ?? env.openai.baseUrl ?? OPENAI_URL,
    apiKey: key,
    model: m.model,
    timeoutMs: m.timeoutMs,
    maxRetries: m.maxRetries,
    maxRetryAfterMs: m.maxRetryAfterMs,
    imageMaxSide: m.imageMaxSide,
  });
}

/** The local classifier the configuration names, if any. */
export function createClassifier(env: Pick<EnvSettings, 'dataDir'>, cfg: SafetyConfig): NsfwClassifier | undefined {
  const name = cfg.nsfw.model;
  const card = name ? cfg.nsfw.cards[name] : undefined;
  if (!name || !card) return undefined;
  return new NsfwClassifier({ name, card, env, threads: cfg.nsfw.threads, download: cfg.nsfw.download });
}

/**
 * The content gate with its checkers: moderation when a key is set (images and text), else the local
 * classifier for images when one is configured. `close` stops the classifier's worker.
 */
export function createContentGate(env: EnvSettings, cfg: SafetyConfig, logger?: Logger, processEnv: NodeJS.ProcessEnv = process.env): { gate: ContentGate; classifier?: NsfwClassifier; close(): Promise<void> } {
  const moderator = createModerator(env, cfg, processEnv);
  const classifier = moderator ? undefined : createClassifier(env, cfg);
  const gate = new ContentGate({ config: cfg, moderator, classifier, logger });
  return { gate, classifier, close: async () => void (await classifier?.close()) };
}
