import { percentOf, type PartsState } from '../../core/availability.js';
import type { EngineContext } from '../context.js';
import { downloadStatus } from '../present/availability.js';
import { progressReply } from '../present/replies.js';
import type { JobRecord } from '../state/session.js';
import type { Reply } from '../types.js';
import type { ProgressMessage } from './progress.js';

/** The parts model's download while it runs; undefined once it has ended (ready or not). */
function downloading(ctx: EngineContext): Extract<PartsState, { state: 'downloading' }> | undefined {
  const parts = ctx.capabilities().parts;
  return parts.state === 'downloading' ? parts : undefined;
}

/** A queued job's message: the parts model's download while the job waits for it, else its place in the queue. */
export function queuedReply(ctx: EngineContext, job: JobRecord, position: number): Reply {
  const parts = job.waitsForParts ? downloading(ctx) : undefined;
  if (!parts) return progressReply(job, { state: 'queued', position });
  return progressReply(job, { state: 'queued', position, waiting: { status: downloadStatus(parts, job.locale), percent: percentOf(parts) } });
}

/**
 * A part edit asked for while the parts model downloads: waits until the download has ended,
 * showing its progress in the job's message; Cancel (the signal) ends the wait. The job then runs
 * (and explains itself if the download failed).
 */
export async function waitForParts(ctx: EngineContext, job: JobRecord, progress: ProgressMessage, signal: AbortSignal): Promise<void> {
  if (!downloading(ctx)) return;
  signal.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    let unsubscribe: () => void = () => undefined;
    const poll = setInterval(() => show(), 1000);
    const stop = () => {
      unsubscribe();
      clearInterval(poll);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      stop();
      reject(signal.reason);
    };
    const show = () => {
      if (!downloading(ctx)) {
        stop();
        resolve();
        return;
      }
      progress.push(queuedReply(ctx, job, 1));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    unsubscribe = ctx.deps.availability?.subscribe?.(() => show()) ?? unsubscribe;
    show();
  });
}
