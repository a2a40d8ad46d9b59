import { AsyncLocalStorage } from 'node:async_hooks';
import { t, type Locale } from '../i18n/index.js';
import { errorsTotal, eventsTotal } from '../util/metrics.js';
import { UserFacingError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { newId } from './state/session.js';
import type { Reply } from './types.js';

type Outcome = 'handled' | 'duplicate' | 'rejected' | 'error';

/** What the current event or job is, so every log line carries its id and metrics its outcome. */
interface Scope {
  log: Logger;
  outcome: Outcome;
}
const scope = new AsyncLocalStorage<Scope>();

export function currentLog(): Logger | undefined {
  return scope.getStore()?.log;
}

/** Runs one platform event with its own logger (eventId) and counts it by outcome. */
export async function inEventScope(log: Logger, labels: { platform: string; kind: string }, fn: () => Promise<void>): Promise<void> {
  const ctx: Scope = { log, outcome: 'handled' };
  await scope.run(ctx, async () => {
    try {
      await fn();
    } finally {
      eventsTotal.inc({ ...labels, outcome: ctx.outcome });
    }
  });
}

/** Runs a job's work with its own logger (jobId). */
export function inJobScope<T>(log: Logger, fn: () => Promise<T>): Promise<T> {
  return scope.run({ log, outcome: 'handled' }, fn);
}

function mark(outcome: Outcome): void {
  const ctx = scope.getStore();
  if (ctx && (ctx.outcome === 'handled' || outcome === 'error')) ctx.outcome = outcome;
}

/** The current event was refused (not the owner, expired button, over a limit…). */
export const markRejected = () => mark('rejected');
/** The current event was a re-delivery. */
export const markDuplicate = () => mark('duplicate');

/**
 * Turns a failure into a reply the user can read, never silence: a UserFacingError says what to do;
 * anything else is logged with a short reference the user can quote.
 */
export function errorReply(err: unknown, locale: Locale, log: Logger): Reply {
  if (err instanceof UserFacingError) {
    markRejected();
    // What went wrong inside (a decoder's message, a status code) is for the logs, with the event id.
    log.info({ key: err.key, cause: err.cause === undefined ? undefined : errorMessage(err.cause) }, 'answered with an explanation');
    return { text: t(locale, err.key, err.params), locale, kind: 'error' };
  }
  mark('error');
  const ref = newId(4);
  errorsTotal.inc({ area: 'engine' });
  log.error({ err, ref }, 'engine failure');
  return { text: t(locale, 'common.internal_error', { ref }), locale, kind: 'error' };
}
