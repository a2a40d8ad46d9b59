import type { ClassifierCard } from '../../config/schemas/safety.js';

/** One classification task for the worker: the model, its card and the photo at model size. */
export interface ClassifyTask {
  modelName: string;
  modelFile: string;
  card: ClassifierCard;
  threads: number;
  /** Interleaved RGB at the card's input size. */
  pixels: Uint8Array;
}

/** Probabilities per class (card order), or a failure the main thread turns into an error. */
export type ClassifyResult = { ok: true; probabilities: number[] } | { ok: false; kind: 'load' | 'io' | 'run'; message: string };
