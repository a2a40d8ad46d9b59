import type { ModelCard } from '../../config/schemas/models.js';

/** Messages between the main thread and the inference worker. */
export interface WorkerInit {
  modelName: string;
  modelFile: string;
  card: ModelCard;
  threads: number;
}

export interface SegmentRequest {
  type: 'segment';
  id: number;
  pixels: Uint8Array;
  channels: number;
  /** Size of `pixels` (the model input size). */
  inputWidth: number;
  inputHeight: number;
  /** Size of the label map to produce (the upright photo). */
  outWidth: number;
  outHeight: number;
}

export interface WorkerError {
  key?: string;
  params?: Record<string, string | number>;
  message: string;
}

export type WorkerReply =
  | { type: 'ready'; id: 0; inputNames: string[]; outputNames: string[] }
  | { type: 'result'; id: number; labels: Uint8Array; inferenceMs: number; postMs: number }
  | { type: 'error'; id: number; error: WorkerError };
