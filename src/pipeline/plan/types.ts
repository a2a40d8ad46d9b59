import type { Locale } from '../../i18n/define.js';
import type { MessageKey } from '../../i18n/index.js';
import type { Command, Rejection } from '../../core/commands.js';
import type { HealthCheck } from '../../core/health.js';

/** One earlier turn of the same thread (never another thread's). */
export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface PlanRequest {
  instruction: string;
  /** Labels present in the photo; commands naming other parts are rejected. */
  labels: readonly string[];
  history?: ChatTurn[];
  locale?: Locale;
  /** Parts the user pointed at (clicked on the photo): an instruction naming no part means these. */
  focus?: readonly string[];
  signal?: AbortSignal;
}

export interface PlanResult {
  commands: Command[];
  rejected: Rejection[];
  /** Which planner produced the commands, e.g. "openai:gpt-4o-mini" or "offline". */
  planner: string;
  /** Whether a repair round was needed. */
  repaired: boolean;
  /** Set when the smart planner failed and the offline interpreter answered instead. */
  fallbackReason?: MessageKey;
  /** Set when nothing could be planned: a question the engine can ask the user. */
  clarify?: MessageKey;
  /** Parameters of `clarify` (e.g. {parts}). */
  clarifyParams?: Record<string, string>;
  /** The model's raw reply (for eval and debugging; never shown to users as is). */
  raw?: string;
  usage?: { promptTokens: number; completionTokens: number };
}

export interface Planner extends HealthCheck {
  readonly name: string;
  plan(req: PlanRequest): Promise<PlanResult>;
}

export interface Suggestion {
  command: Command;
  /** One short sentence for the user, in the requested locale. */
  sentence: string;
}

export interface SuggestRequest {
  image: Buffer;
  labels: readonly string[];
  locale: Locale;
  signal?: AbortSignal;
  /** Whether an image generator is configured; false: only edits that run locally are suggested. */
  generator?: boolean;
}

export interface Suggester extends HealthCheck {
  suggest(req: SuggestRequest): Promise<Suggestion[]>;
}
