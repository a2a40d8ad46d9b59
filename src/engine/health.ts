import type { HealthStatus } from '../core/health.js';
import { errorMessage } from '../util/errors.js';
import type { EngineContext } from './context.js';
import { keys } from './state/keys.js';

/** The state store and every dependency, for /readyz and `doctor`. Optional features never report "down". */
export async function engineHealth(ctx: EngineContext): Promise<HealthStatus[]> {
  const { store, deps } = ctx;
  const started = Date.now();
  const name = `engine:store:${store.kind}`;
  const storeCheck: HealthStatus = await store
    .set(keys.probe, started, 60_000)
    .then(() => ({ name, state: 'ok' as const, detail: `state store (${store.kind}) answers`, latencyMs: Date.now() - started }))
    .catch((err: unknown) => ({ name, state: 'down' as const, detail: `state store does not answer: ${errorMessage(err)}` }));
  const parts = { segmentation: deps.segmentation, planner: deps.planner, suggester: deps.suggester, executor: deps.executor };
  const checks = await Promise.all(
    Object.entries(parts).map(async ([part, dep]): Promise<HealthStatus | undefined> => {
      if (!dep?.health) return undefined;
      try {
        const h = await dep.health(AbortSignal.timeout(2500));
        // The engine degrades instead of failing: whole-photo and local edits go on without these.
        return h.state === 'down' ? { ...h, state: 'degraded' } : h;
      } catch (err) {
        return { name: `engine:${part}`, state: 'degraded', detail: errorMessage(err) };
      }
    }),
  );
  return [storeCheck, ...checks.filter((c): c is HealthStatus => c !== undefined)];
}
