import type { HealthCheck, HealthStatus } from '../../core/health.js';

/**
 * Non-generative edits need no service: their pixels are computed in src/pipeline/image (worker
 * pool, sharp). This is their entry in `doctor` and /readyz: always available.
 */
export const LOCAL_OPERATIONS = ['adjust', 'recolor', 'blur', 'grayscale', 'remove', 'cutout', 'background'] as const;
export type LocalOperation = (typeof LOCAL_OPERATIONS)[number];

export class LocalOperations implements HealthCheck {
  readonly name = 'local';
  async health(): Promise<HealthStatus> {
    return { name: 'local', state: 'ok', detail: `local operations (${LOCAL_OPERATIONS.join(', ')}) need no GPU or network` };
  }
}
