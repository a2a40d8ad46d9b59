import type { LabelMap } from '../../core/types.js';
import type { HealthCheck } from '../../core/health.js';

export interface Segmenter extends HealthCheck {
  readonly name: string;
  readonly labels: readonly string[];
  segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap>;
  close(): Promise<void>;
}
