import type { HealthCheck } from '../../core/health.js';
import type { Mask } from '../../core/types.js';
import type { Template } from '../../config/schemas/templates.js';

/** What a generative backend receives: a crop of the photo already at the backend's working size. */
export interface GenerateRequest {
  /** PNG of the crop, `width`×`height`. */
  image: Buffer;
  /** Binary mask of the crop at the same size: 255 = edit, 0 = keep. */
  mask: Mask;
  width: number;
  height: number;
  prompt: string;
  negativePrompt: string;
  /** Request parameters after resolveParams (SD WebUI names: denoising_strength, cfg_scale, steps, seed, …). */
  params: Record<string, unknown>;
  templateName: string;
  template: Template;
  /** Second photo whose face is swapped in (templates with faceSwap). */
  faceSource?: Buffer;
  signal?: AbortSignal;
  /** 0..1 as the backend reports it. */
  onProgress?: (fraction: number) => void;
}

/** An image service behind one interface: SD WebUI, OpenAI image edits (and the local operations' health). */
export interface ImageBackend extends HealthCheck {
  readonly name: string;
  /** Whether the environment configures it (URL / key present); unconfigured backends are skipped. */
  configured(): boolean;
  /** Whether it can run this template (OpenAI edits cannot swap faces). */
  supports(template: Template): boolean;
  /** The size the backend works at for a crop of `width`×`height` (aspect kept as well as it allows). */
  workingSize(width: number, height: number): { width: number; height: number };
  /** Returns the encoded image the service produced (any size; the caller resizes and checks it). */
  generate(req: GenerateRequest): Promise<Buffer>;
}
