import type { Locale } from '../i18n/index.js';
import type { LabelMap } from '../core/types.js';
import type { RawImage } from '../core/image-io.js';
import type { HealthStatus } from '../core/health.js';

import type { Command, Rejection, WireCommand } from '../pipeline/commands/index.js';
import type { ExecuteRequest, ExecuteResult } from '../pipeline/execute/index.js';
import type { PlanRequest, PlanResult as FullPlanResult } from '../pipeline/plan/types.js';

export type { Command, Rejection, WireCommand, ExecuteRequest, ExecuteResult, PlanRequest };
export type { ChatTurn } from '../pipeline/plan/types.js';
export type { UserSettings } from '../pipeline/execute/index.js';

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
  suggest(req: { image: Buffer; labels: readonly string[]; locale: Locale; signal?: AbortSignal }): Promise<Suggestion[]>;
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
}
