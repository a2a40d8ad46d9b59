import type { EnvSettings } from '../../config/env.js';
import type { LlmConfig } from '../../config/schemas/llm.js';
import type { PromptsConfig } from '../../config/schemas/prompts.js';
import type { VocabularyConfig } from '../../config/schemas/vocabulary.js';
import { resolveProfile, resolveVisionProfile } from '../../providers/llm/profiles.js';
import type { CommandLanguage } from '../commands/index.js';
import { FallbackPlanner } from './fallback.js';
import { OpenAIPlanner } from './llm-planner.js';
import { OfflineInterpreter } from './offline/interpreter.js';
import { HeuristicSuggester } from './suggest/heuristic.js';
import { VisionSuggester } from './suggest/vision.js';
import type { Planner, Suggester } from './types.js';

export type { ChatTurn, PlanRequest, PlanResult, Planner, Suggestion, Suggester, SuggestRequest } from './types.js';
export { OfflineInterpreter, type OfflineInterpreterOptions, type InterpreterLoadTimes } from './offline/interpreter.js';
export { OpenAIPlanner, type OpenAIPlannerOptions } from './llm-planner.js';
export { FallbackPlanner } from './fallback.js';
export { VisionSuggester, type VisionSuggesterOptions } from './suggest/vision.js';
export { HeuristicSuggester, heuristicSuggestions } from './suggest/heuristic.js';
export { offerCommands, colourIn, type Offer, type OfferContext, type OfferLanguage, type Need, type Substitute, type Blocked } from './offer.js';
export { buildPlanMessages, repairMessage, numberedLabels } from './prompts.js';
export { commandsJsonSchema, objectToWire } from './structured.js';

/** The configuration sections planning reads (config/llm.yaml, config/prompts.yaml, config/vocabulary.yaml). */
export interface PlanningConfig {
  llm: LlmConfig;
  prompts: PromptsConfig;
  /** The offline interpreter's vocabulary. */
  vocabulary: VocabularyConfig;
}

export interface CreatePlannerOptions extends PlanningConfig {
  env: EnvSettings;
  /** The command language (config/commands.yaml + config/labels.yaml) plans are validated against. */
  language: CommandLanguage;
  /** A profile of config/llm.yaml, or "offline". */
  profile?: string;
  offline?: boolean;
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
  const { language, llm, prompts, vocabulary } = opts;
  if (opts.offline || opts.profile === 'offline') return new OfflineInterpreter({ language, vocabulary });
  const profile = resolveProfile(opts.env, opts.profile, llm, opts.processEnv);
  if (!profile) return new OfflineInterpreter({ language, vocabulary, noLlmConfigured: true });
  const planner = new OpenAIPlanner({ profile, language, prompts, maxRetryAfterMs: llm.maxRetryAfterMs, retryBaseDelayMs: opts.retryBaseDelayMs });
  const offline = new OfflineInterpreter({ language, vocabulary });
  return new FallbackPlanner(planner, offline);
}

export interface CreateSuggesterOptions extends Omit<PlanningConfig, 'vocabulary'> {
  env: EnvSettings;
  language: CommandLanguage;
  processEnv?: NodeJS.ProcessEnv;
}

/** Vision suggestions when VISION_MODEL is set; suggestions from the labels alone otherwise (never fails). */
export function createSuggester(opts: CreateSuggesterOptions): Suggester {
  const { language, llm, prompts } = opts;
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
