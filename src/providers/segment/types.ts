import type { LabelMap } from '../../pipeline/types.js';
import type { HealthCheck } from '../types.js';

export interface Segmenter extends HealthCheck {
  readonly name: string;
  readonly labels: readonly string[];
  segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap>;
  close(): Promise<void>;
}
