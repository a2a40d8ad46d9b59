import type { EnvSettings } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { CommandLanguage } from '../../pipeline/commands/index.js';
import { FallbackPlanner } from './fallback.js';
import { OfflineInterpreter } from './offline/interpreter.js';
import { OpenAIPlanner } from './openai-planner.js';
import { resolveProfile, resolveVisionProfile } from './profiles.js';
import { HeuristicSuggester, heuristicSuggestions } from './suggest/heuristic.js';
import { VisionSuggester } from './suggest/vision.js';
import type { Planner, Suggester } from './types.js';

export type { ChatTurn, PlanRequest, PlanResult, Planner, Suggestion, Suggester, SuggestRequest } from './types.js';
export { OfflineInterpreter } from './offline/interpreter.js';
export { OpenAIPlanner } from './openai-planner.js';
export { FallbackPlanner } from './fallback.js';
export { VisionSuggester, imageDataUrl } from './suggest/vision.js';
export { HeuristicSuggester, heuristicSuggestions };
export { LlmRefusalError, LlmUnavailableError } from './errors.js';
export { resolveProfile, resolveVisionProfile, type ResolvedProfile } from './profiles.js';
export { buildPlanMessages, repairMessage, numberedLabels } from './prompts.js';
export { commandsJsonSchema, objectToWire } from './structured.js';

export interface CreatePlannerOptions {
  env: EnvSettings;
  /** A profile of config/llm.yaml, or "offline". */
  profile?: string;
  offline?: boolean;
  language?: CommandLanguage;
  /** Where `apiKeyEnv` of non-default profiles is read (default process.env). */
  processEnv?: NodeJS.ProcessEnv;
  /** First retry backoff step in ms (tests make it small). */
  retryBaseDelayMs?: number;
}

/**
 * The planner to use: the LLM of the chosen (or default, when the environment configures one)
 * profile with the offline interpreter as fallback; the offline interpreter alone otherwise.
 */
export function createPlanner(opts: CreatePlannerOptions): Planner {
  const language = opts.language ?? CommandLanguage.load();
  if (opts.offline || opts.profile === 'offline') return new OfflineInterpreter({ language });
  const { llm, prompts } = loadConfig({ sections: ['llm', 'prompts'] });
  const profile = resolveProfile(opts.env, opts.profile, llm, opts.processEnv);
  if (!profile) return new OfflineInterpreter({ language, noLlmConfigured: true });
  const planner = new OpenAIPlanner({ profile, language, prompts, maxRetryAfterMs: llm.maxRetryAfterMs, retryBaseDelayMs: opts.retryBaseDelayMs });
  const offline = new OfflineInterpreter({ language });
  return new FallbackPlanner(planner, offline);
}

/** Vision suggestions when VISION_MODEL is set; suggestions from the labels alone otherwise (never fails). */
export function createSuggester(opts: { env: EnvSettings; language?: CommandLanguage; processEnv?: NodeJS.ProcessEnv }): Suggester {
  const language = opts.language ?? CommandLanguage.load();
  const { llm, prompts } = loadConfig({ sections: ['llm', 'prompts'] });
  const heuristic = new HeuristicSuggester(language, llm.vision.maxSuggestions);
  const profile = resolveVisionProfile(opts.env, llm, opts.processEnv);
  if (!profile) return heuristic;
  return new VisionSuggester({
    profile,
    language,
    prompts,
    maxSide: llm.vision.maxSide,
    jpegQuality: llm.vision.jpegQuality,
    maxSuggestions: llm.vision.maxSuggestions,
    maxRetryAfterMs: llm.maxRetryAfterMs,
    fallback: heuristic,
  });
}
