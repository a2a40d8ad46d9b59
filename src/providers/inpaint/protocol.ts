import type { InpaintCard } from '../../config/schemas/inpaint.js';

/** A job for the inpainting worker: one crop at the model's working size. */
export interface InpaintTask {
  modelName: string;
  file: string;
  card: InpaintCard;
  threads: number;
  rgb: Uint8Array;
  mask: Uint8Array;
  width: number;
  height: number;
}

export type InpaintReply = { ok: true; rgb: Uint8Array; inferenceMs: number } | { ok: false; key?: string; params?: Record<string, string | number>; message: string };
