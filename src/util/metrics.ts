import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics served at /metrics (prom-client: the standard Node client, so the exposition
 * format and default process metrics need no code of ours).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'cie_' });

export const eventsTotal = new Counter({
  name: 'cie_events_total',
  help: 'Platform events received, by platform and kind (message, action, command) and outcome (handled, duplicate, rejected: refused with a reason, error: an internal failure).',
  labelNames: ['platform', 'kind', 'outcome'] as const,
  registers: [registry],
});

export const jobsTotal = new Counter({
  name: 'cie_jobs_total',
  help: 'Edit jobs by final state (done, failed, cancelled, timeout).',
  labelNames: ['state'] as const,
  registers: [registry],
});

type DepthSource = () => Promise<{ lane: string; waiting: number; running: number }[]>;
const depthSources = new Set<DepthSource>();

/** Read at scrape time from every registered job queue (a shared queue reports the whole cluster's depth). */
export const queueDepth = new Gauge({
  name: 'cie_queue_depth',
  help: 'Jobs waiting or running, by backend and state.',
  labelNames: ['backend', 'state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of depthSources) {
      try {
        for (const d of await source()) {
          this.inc({ backend: d.lane, state: 'waiting' }, d.waiting);
          this.inc({ backend: d.lane, state: 'running' }, d.running);
        }
      } catch {
        errorsTotal.inc({ area: 'engine' });
      }
    }
  },
});

/** A job queue reports its depth at every scrape; the returned function unregisters it. */
export function registerQueueDepth(source: DepthSource): () => void {
  depthSources.add(source);
  return () => depthSources.delete(source);
}

export const backendLatency = new Histogram({
  name: 'cie_backend_seconds',
  help: 'Latency of calls to outside services (segmenter, llm, image backends).',
  labelNames: ['service', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  registers: [registry],
});

export const errorsTotal = new Counter({
  name: 'cie_errors_total',
  help: 'Errors by area (bot, engine, backend, http).',
  labelNames: ['area'] as const,
  registers: [registry],
});

export const safetyRefusalsTotal = new Counter({
  name: 'cie_safety_refusals_total',
  help: 'Content refused by the safety policy, by stage (prompt, commands, output), reason (flagged, unavailable) and category.',
  labelNames: ['stage', 'reason', 'category'] as const,
  registers: [registry],
});

export const resultChecksTotal = new Counter({
  name: 'cie_result_checks_total',
  help: 'Commands judged by the result check, by mode and result (passed, unchanged, not_shown).',
  labelNames: ['mode', 'result'] as const,
  registers: [registry],
});

/** Times a promise into backendLatency. */
export async function timed<T>(service: string, work: () => Promise<T>): Promise<T> {
  const end = backendLatency.startTimer({ service });
  try {
    const out = await work();
    end({ outcome: 'ok' });
    return out;
  } catch (err) {
    end({ outcome: 'error' });
    // A cancelled or timed-out call is the user's or the job's decision, not the backend failing.
    if (!(err instanceof Error && (err.name === 'AbortError' || err.name === 'UserFacingError'))) errorsTotal.inc({ area: 'backend' });
    throw err;
  }
}
