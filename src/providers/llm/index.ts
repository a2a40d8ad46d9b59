/**
 * Model clients only: OpenAI-compatible chat and vision calls with our retry policy, profile
 * resolution (which server, model and key), and the errors they raise. Planning — prompts, the
 * offline interpreter, validation and repair — is pipeline logic (src/pipeline/plan).
 */
export { ChatClient, type ChatClientOptions } from './chat.js';
export { VisionClient, imageDataUrl, type VisionAnswer, type VisionClientOptions, type VisionRequest } from './vision.js';
export { ModerationClient, type ModerationClientOptions, type ModerationInput, type ModerationResult } from './moderation.js';
export type { ChatMessage, ChatReply, ChatRequest, TokenUsage } from './types.js';
export { LlmRefusalError, LlmUnavailableError, type UnavailableReason } from './errors.js';
export { resolveProfile, resolveVisionProfile, type ResolvedProfile } from './profiles.js';
export { withRetries, retryAfterMs, type RetryOptions } from './retry.js';
export { loadOpenAiSdk, lazyClient } from './sdk.js';
