import os from 'node:os';
import { runTask, type Task } from './kernels/index.js';

/**
 * Piscina worker for per-pixel kernels: one synchronous task at a time, on shared memory. The
 * thread runs at a lower priority than the main thread (on Linux, nice values are per thread), so
 * when the cores are busy the event loop still gets them first and webhooks are answered in time.
 */
try {
  os.setPriority(0, 5);
} catch {
  /* not permitted here: run at normal priority */
}

export default function pixelWorker(task: Task): unknown {
  return runTask(task);
}
