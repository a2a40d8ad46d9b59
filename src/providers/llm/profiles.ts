import type { EnvSettings } from '../../config/env.js';
import type { LlmConfig, LlmProfile } from '../../config/schemas/llm.js';
import { UserFacingError } from '../../util/errors.js';

/** A profile with its environment applied: everything needed to call the server. */
export interface ResolvedProfile extends Omit<LlmProfile, 'apiKeyEnv'> {
  name: string;
  baseURL: string;
  /** Never logged. Local servers (Ollama, vLLM) take any key; the SDK insists on one. */
  apiKey: string;
  hasKey: boolean;
}

const OPENAI_URL = 'https://api.openai.com/v1';
const NO_KEY = 'no-key';

/**
 * The profile to use. OPENAI_API_KEY / OPENAI_BASE_URL / LLM_MODEL override the default
 * profile. Without a profile name, an LLM is used only when the environment configures one
 * (a key or a base URL); `undefined` means "plan offline".
 */
export function resolveProfile(
  env: EnvSettings,
  name: string | undefined,
  cfg: LlmConfig,
  processEnv: NodeJS.ProcessEnv = process.env,
): ResolvedProfile | undefined {
  const chosen = name ?? cfg.default;
  const profile = cfg.profiles[chosen];
  if (!profile) {
    throw new UserFacingError('plan.unknown_profile', { name: chosen, known: ['offline', ...Object.keys(cfg.profiles)].join(', ') });
  }
  const isDefault = chosen === cfg.default;
  if (!name && !env.openai.apiKey && !env.openai.baseUrl) return undefined;
  const keyFromProfile = profile.apiKeyEnv ? processEnv[profile.apiKeyEnv]?.trim() : undefined;
  const apiKey = (isDefault ? env.openai.apiKey : undefined) ?? keyFromProfile;
  const { apiKeyEnv: _omit, ...rest } = profile;
  return {
    ...rest,
    name: chosen,
    baseURL: (isDefault ? env.openai.baseUrl : undefined) ?? profile.baseURL ?? OPENAI_URL,
    model: (isDefault ? env.openai.model : undefined) ?? profile.model,
    apiKey: apiKey || NO_KEY,
    hasKey: Boolean(apiKey),
  };
}

/** The vision model's server: the vision profile's, with VISION_MODEL (or vision.model) as model. */
export function resolveVisionProfile(
  env: EnvSettings,
  cfg: LlmConfig,
  processEnv: NodeJS.ProcessEnv = process.env,
): ResolvedProfile | undefined {
  const model = env.openai.visionModel ?? cfg.vision.model ?? undefined;
  if (!model) return undefined;
  const base = resolveProfile(env, cfg.vision.profile, cfg, processEnv);
  // A model name alone is not a configuration: some server (a key or a base URL) must be there too.
  if (!base || (!base.hasKey && !env.openai.baseUrl)) return undefined;
  return { ...base, model, timeoutMs: cfg.vision.timeoutMs };
}
