import type { Locale, MessageKey } from '../i18n/index.js';
import type { LabelMap } from '../pipeline/types.js';
import type { RawImage } from '../pipeline/image/io.js';
import type { HealthStatus } from '../providers/types.js';

/**
 * What the engine needs from the pipeline and providers, written as structural interfaces that
 * match API.md. The real modules (A–D) satisfy them; tests pass small fakes. Kept local so the
 * engine compiles and loads while a dependency is missing or mid-edit.
 */

export interface Command {
  command: string;
  args: Record<string, unknown>;
}
export interface WireCommand {
  command: string;
  paras: unknown[];
}
export interface Rejection {
  item: unknown;
  reason: string;
}

interface MaybeHealth {
  health?(signal?: AbortSignal): Promise<HealthStatus>;
}

/** B: SegmentationService (cached by sha256 of the bytes). Throws UserFacingError('segment.model_missing') without a model. */
export interface Segmentation extends MaybeHealth {
  segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap>;
  /** Labels of the active model (used to plan when segmentation is unavailable). */
  readonly labels: readonly string[];
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}
export interface PlanRequest {
  instruction: string;
  labels: readonly string[];
  history?: ChatTurn[];
  locale?: Locale;
  /** Parts the user clicked: an instruction naming no part means these. */
  focus?: readonly string[];
  signal?: AbortSignal;
}
export interface PlanResult {
  commands: Command[];
  rejected: Rejection[];
  planner: string;
  repaired?: boolean;
  fallbackReason?: MessageKey;
  raw?: string;
}
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

export interface UserSettings {
  backend?: string;
  strength?: number;
  seed?: number;
  steps?: number;
  cfgScale?: number;
}
export interface ExecuteRequest {
  image: Buffer;
  labelMap?: LabelMap;
  commands: Command[];
  faceSource?: Buffer;
  settings?: UserSettings;
  signal?: AbortSignal;
  onProgress?: (p: { fraction: number; stage: string }) => void;
}
export interface ExecuteResult {
  image: RawImage;
  applied: Command[];
  skipped: { command: Command; reason: MessageKey }[];
  advice: string[];
  backend: string;
  fallbackReason?: MessageKey;
}
/** D: runs commands on a photo. */
export interface Executor extends MaybeHealth {
  execute(req: ExecuteRequest): Promise<ExecuteResult>;
  needsSegmentation(commands: Command[]): boolean;
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

/** Everything the engine depends on; `createEngine` fills what is not given with the real modules. */
export interface EngineDeps {
  segmentation?: Segmentation;
  planner: Planner;
  suggester?: Suggester;
  executor: Executor;
  catalog?: CommandCatalog;
  encodeForUpload?: UploadEncoder;
  renderOverlay?: OverlayRenderer;
}
