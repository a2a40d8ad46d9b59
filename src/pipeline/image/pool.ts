import os from 'node:os';
import { Piscina } from 'piscina';
import type { Task, TaskResult } from './kernels/index.js';
import { compiledWorker } from '../../util/worker-script.js';

export interface PixelPool {
  /** How many tasks run at once (bands per pass). */
  readonly threads: number;
  run<T extends Task>(task: T): Promise<TaskResult<T>>;
  close(): Promise<void>;
}

class PiscinaPool implements PixelPool {
  private readonly pool: Piscina;
  constructor(readonly threads: number) {
    this.pool = new Piscina({
      filename: compiledWorker(import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 30_000,
      // Kernels are synchronous loops; atomics only add latency between tasks here.
      atomics: 'disabled',
    });
  }
  run<T extends Task>(task: T): Promise<TaskResult<T>> {
    return this.pool.run(task) as Promise<TaskResult<T>>;
  }
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

let shared: PixelPool | undefined;

/** Threads for pixel work: PIXEL_THREADS, else the machine's parallelism (at most 4). */
export function defaultThreads(): number {
  const env = Number(process.env.PIXEL_THREADS);
  if (Number.isInteger(env) && env > 0) return Math.min(16, env);
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** The process-wide pool (created on first use). */
export function pixelPool(): PixelPool {
  shared ??= new PiscinaPool(defaultThreads());
  return shared;
}

export function createPixelPool(threads = defaultThreads()): PixelPool {
  return new PiscinaPool(threads);
}
