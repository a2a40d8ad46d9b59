import type { Locale } from '../i18n/index.js';
import type { LabelMap } from '../core/types.js';
import type { RawImage } from '../core/image-io.js';
import type { HealthStatus } from '../core/health.js';
import type { AvailabilitySource } from '../core/availability.js';

import type { Command, ParseResult, Rejection, WireCommand } from '../pipeline/commands/index.js';
import type { ExecuteRequest, ExecuteResult } from '../pipeline/execute/index.js';
import type { PlanRequest, PlanResult as FullPlanResult } from '../pipeline/plan/types.js';
import type { CheckReport, CheckRequest, RetryPlan } from '../pipeline/check/index.js';
import type { Policy, SafetyVerdict, WorkspaceRef } from '../pipeline/safety/index.js';

export type { Command, Rejection, WireCommand, ExecuteRequest, ExecuteResult, PlanRequest };
export type { ChatTurn } from '../pipeline/plan/types.js';
export type { UserSettings, AppliedRegion } from '../pipeline/execute/index.js';
import type { UserSettings } from '../pipeline/execute/index.js';
export type { CheckReport, CommandCheck, RetryPlan } from '../pipeline/check/index.js';
export type { Policy, SafetyVerdict } from '../pipeline/safety/index.js';

/**
 * What the engine needs from the pipeline and providers. Data shapes are the real modules' types;
 * the service interfaces are the narrow parts the engine calls, so the composition root passes the
 * real modules and tests pass small fakes.
 */

interface MaybeHealth {
  health?(signal?: AbortSignal): Promise<HealthStatus>;
}

/** B: SegmentationService (cached by sha256 of the bytes). Throws UserFacingError('segment.model_missing') without a model. */
export interface Segmentation extends MaybeHealth {
  segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap>;
  /** Labels of the active model (used to plan when segmentation is unavailable). */
  readonly labels: readonly string[];
}

/** The planner's answer; `repaired` is optional so test planners stay small. */
export type PlanResult = Omit<FullPlanResult, 'repaired'> & { repaired?: boolean };
/** C: instruction → validated, merged, sorted commands. */
export interface Planner extends MaybeHealth {
  readonly name?: string;
  plan(req: PlanRequest): Promise<PlanResult>;
}
export interface Suggestion {
  command: Command;
  sentence: string;
}
/** C: edits proposed by a vision model (offline heuristics without one). */
export interface Suggester extends MaybeHealth {
  /** `generator: false`: no image generator is configured, so only local edits are worth suggesting. */
  suggest(req: { image: Buffer; labels: readonly string[]; locale: Locale; signal?: AbortSignal; generator?: boolean }): Promise<Suggestion[]>;
}

/** D: runs commands on a photo. */
export interface Executor extends MaybeHealth {
  execute(req: ExecuteRequest): Promise<ExecuteResult>;
  needsSegmentation(commands: Command[]): boolean;
  /** Whether a command can run with the services available now (a generator, the inpainting model). */
  canRun?(command: string): boolean;
}

export interface UploadImage {
  data: Buffer;
  mimeType: 'image/png' | 'image/jpeg';
  filename: string;
}
/** D: encodeForUpload — PNG when it fits, else high-quality JPEG, original resolution. */
export type UploadEncoder = (img: RawImage, limitBytes: number) => Promise<UploadImage>;
/** B: renderOverlay — the photo with coloured parts and a legend. */
export type OverlayRenderer = (image: Buffer, map: LabelMap, opts?: { locale?: Locale; maxSide?: number }) => Promise<Buffer>;

/** A: the parts of CommandLanguage the engine uses (wire format for history, executor kind for lanes). */
export interface CommandCatalog {
  toWire(command: Command): WireCommand;
  rule(name: string): { executor: 'generative' | 'local' | 'text'; paras?: readonly { name: string; type: string }[] } | undefined;
  /** A label's name in the user's language ("Upper-clothes" → "top" / "上衣"). */
  displayLabel?(label: string, locale: Locale): string;
  /** Validates wire commands (local equivalents offered instead of generative edits are built with it). */
  validate?(items: readonly unknown[]): ParseResult;
}

/**
 * Trust and safety (README "Safety"): the policy of each workspace, the content gate before planning
 * and before posting, the result check after every job, and targeted retries of failed edits.
 */
export interface TrustDeps {
  policies: { resolve(ref: WorkspaceRef): Policy };
  gate: {
    /** Which checker looks at result images (`none`: nothing can). */
    readonly imageChecker: 'moderation' | 'classifier' | 'none';
    checkText(text: string, policy: Policy, signal?: AbortSignal): Promise<SafetyVerdict>;
    checkTerms(texts: readonly string[], policy: Policy): SafetyVerdict;
    checkImage(image: Buffer, policy: Policy, signal?: AbortSignal): Promise<SafetyVerdict>;
  };
  /** Absent: no result check at all. */
  checker?: { check(req: CheckRequest): Promise<CheckReport> };
  /** Commands the face swap policy governs (those whose template swaps faces). */
  faceSwapCommands: ReadonlySet<string>;
  /** A stronger second try of one command whose check failed; undefined when none would differ. */
  planRetry(command: Command, settings: UserSettings): RetryPlan | undefined;
}

/** Everything the engine depends on (built by the composition root, src/compose.ts). */
export interface EngineDeps {
  segmentation?: Segmentation;
  planner: Planner;
  suggester?: Suggester;
  executor: Executor;
  catalog?: CommandCatalog;
  encodeForUpload: UploadEncoder;
  renderOverlay?: OverlayRenderer;
  /**
   * What can run now (the parts model's download, a generator): proposals offer only that, and part
   * edits asked for while the model downloads wait for it. Without it everything counts as available.
   */
  availability?: AvailabilitySource;
  /** Absent (tests with fakes): no content checks, no result check, face swap unrestricted. */
  trust?: TrustDeps;
}
