import { runTask, type Task } from './kernels/index.js';

/** Piscina worker for per-pixel kernels: one synchronous task at a time, on shared memory. */
export default function pixelWorker(task: Task): unknown {
  return runTask(task);
}
