import { performance } from 'node:perf_hooks';

/** One measured figure, printed in the bench table and written to bench-results.json. */
export interface Figure {
  bench: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
  /** The goal from the issue, for the report (never asserted in tests). */
  goal?: string;
}

export interface Bench {
  name: string;
  description: string;
  run(): Promise<Figure[]>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** Runs `fn` `iterations` times after `warmup` runs; returns sorted durations in ms. */
export async function timeIt(fn: () => unknown | Promise<unknown>, iterations: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
