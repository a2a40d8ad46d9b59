import type { Template } from '../../config/schemas/templates.js';
import type { MessageKey } from '../../i18n/index.js';
import { UserFacingError } from '../../util/errors.js';
import { getLogger } from '../../util/logger.js';
import { canFallBack } from './errors.js';
import type { ImageBackend } from './types.js';

export interface ChainAttempt<T> {
  result: T;
  backend: ImageBackend;
  /** Set when a backend other than the first usable one produced the result. */
  fallbackReason?: MessageKey;
}

/**
 * The generative fallback chain (config/backends.yaml `chain`): unconfigured backends and those
 * that cannot run the template are skipped; when one fails because the service failed (down,
 * timeout, HTTP error, non-image), the next is tried and the result says why. A refusal or a
 * cancel ends the chain: another service would not change the answer.
 */
export class BackendChain {
  constructor(private readonly backends: ImageBackend[]) {}

  /** Backends that can run this template, in chain order; `prefer` (a user setting) goes first. */
  usable(template: Template, prefer?: string): ImageBackend[] {
    const list = this.backends.filter((b) => b.configured() && b.supports(template));
    if (!prefer) return list;
    const i = list.findIndex((b) => b.name === prefer);
    return i > 0 ? [list[i]!, ...list.slice(0, i), ...list.slice(i + 1)] : list;
  }

  all(): ImageBackend[] {
    return [...this.backends];
  }

  async run<T>(template: Template, attempt: (backend: ImageBackend) => Promise<T>, prefer?: string): Promise<ChainAttempt<T>> {
    const list = this.usable(template, prefer);
    if (list.length === 0) throw new UserFacingError('execute.skip.no_generative_backend');
    const failures: string[] = [];
    let firstError: unknown;
    for (const [i, backend] of list.entries()) {
      try {
        const result = await attempt(backend);
        if (i === 0) return { result, backend };
        const fallbackReason: MessageKey = list[0]!.name === 'sd-webui' ? 'execute.fallback.sd_webui_down' : 'execute.fallback.primary_failed';
        return { result, backend, fallbackReason };
      } catch (err) {
        if (!canFallBack(err)) throw err;
        firstError ??= err;
        failures.push(`${backend.name}: ${(err as UserFacingError).key}`);
        getLogger().warn({ backend: backend.name, reason: (err as UserFacingError).key, params: (err as UserFacingError).params }, 'image backend failed');
      }
    }
    // With a single backend its own sentence is clearer than a summary.
    if (list.length === 1) throw firstError;
    throw new UserFacingError('execute.backend.all_failed', { detail: failures.join('; ') }, { cause: firstError });
  }
}
