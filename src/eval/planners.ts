import type { EnvSettings } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import type { CommandLanguage } from '../pipeline/commands/index.js';
import { OfflineInterpreter, OpenAIPlanner, type Planner } from '../pipeline/plan/index.js';
import { resolveProfile, type ResolvedProfile } from '../providers/llm/index.js';
import type { Prices } from './metrics.js';

export const OFFLINE_PROFILE = 'offline';

export interface ProfilePlanner {
  profile: string;
  planner: Planner;
  prices: Prices;
}

export interface ProfilePlannerOptions {
  env: EnvSettings;
  language: CommandLanguage;
  /** Where `apiKeyEnv` of non-default profiles is read (default process.env). */
  processEnv?: NodeJS.ProcessEnv;
  retryBaseDelayMs?: number;
}

/** The LLM profile of config/llm.yaml with the environment applied (throws plan.unknown_profile). */
export function llmProfile(name: string, opts: Pick<ProfilePlannerOptions, 'env' | 'processEnv'>): ResolvedProfile {
  const { llm } = loadConfig({ sections: ['llm'] });
  // With an explicit name resolveProfile always answers a profile (or throws for an unknown one).
  return resolveProfile(opts.env, name, llm, opts.processEnv)!;
}

/**
 * The planner of one profile as it would answer on its own: "offline" is the offline
 * interpreter; any other profile is its OpenAI-compatible model WITHOUT the offline fallback,
 * so its failures count as failures.
 */
export function plannerForProfile(name: string, opts: ProfilePlannerOptions): ProfilePlanner {
  if (name === OFFLINE_PROFILE) {
    const { vocabulary } = loadConfig({ sections: ['vocabulary'] });
    return { profile: name, planner: new OfflineInterpreter({ language: opts.language, vocabulary }), prices: {} };
  }
  const { llm, prompts } = loadConfig({ sections: ['llm', 'prompts'] });
  const profile = llmProfile(name, opts);
  const planner = new OpenAIPlanner({
    profile,
    language: opts.language,
    prompts,
    maxRetryAfterMs: llm.maxRetryAfterMs,
    retryBaseDelayMs: opts.retryBaseDelayMs,
  });
  return { profile: name, planner, prices: { pricePer1kInput: profile.pricePer1kInput, pricePer1kOutput: profile.pricePer1kOutput } };
}
