import type { MessageKey } from '../../i18n/index.js';
import { childLogger } from '../../util/logger.js';
import type { HealthStatus } from '../../core/health.js';
import { LlmRefusalError, LlmUnavailableError } from '../../providers/llm/errors.js';
import type { Planner, PlanRequest, PlanResult } from './types.js';

/**
 * The LLM planner with the offline interpreter behind it: when the LLM is down, times out, is
 * rate-limited past the retry bound, refuses, or answers nothing usable even after the repair
 * round, the offline plan is returned with `fallbackReason` so the user knows.
 */
export class FallbackPlanner implements Planner {
  private readonly log = childLogger({ module: 'llm' });

  constructor(
    private readonly primary: Planner,
    private readonly offline: Planner,
  ) {}

  get name(): string {
    return this.primary.name;
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    const status = await this.primary.health(signal);
    // The offline interpreter keeps planning, so a down LLM degrades the service rather than stopping it.
    return status.state === 'down' ? { ...status, state: 'degraded' } : status;
  }

  async plan(req: PlanRequest): Promise<PlanResult> {
    let result: PlanResult;
    try {
      result = await this.primary.plan(req);
    } catch (err) {
      if (req.signal?.aborted) throw err;
      const reason: MessageKey = err instanceof LlmRefusalError ? 'plan.fallback_refused' : 'plan.fallback_offline';
      if (err instanceof LlmUnavailableError || err instanceof LlmRefusalError) {
        this.log.warn({ planner: this.primary.name, reason: err instanceof LlmUnavailableError ? err.reason : 'refused' }, 'LLM planner failed; using the offline interpreter');
      } else {
        this.log.error({ planner: this.primary.name, err }, 'LLM planner crashed; using the offline interpreter');
      }
      const offline = await this.offline.plan(req);
      return { ...offline, fallbackReason: reason };
    }
    if (result.commands.length === 0 && result.rejected.length > 0) {
      const offline = await this.offline.plan(req);
      if (offline.commands.length > 0) {
        return { ...offline, rejected: [...result.rejected, ...offline.rejected], fallbackReason: 'plan.fallback_invalid', raw: result.raw, usage: result.usage };
      }
      return { ...result, clarify: offline.clarify ?? 'plan.clarify' };
    }
    if (result.commands.length === 0) result.clarify ??= 'plan.clarify';
    return result;
  }
}
