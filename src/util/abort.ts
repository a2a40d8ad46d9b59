/**
 * Settles like `work`, or rejects with the signal's reason once `signal` aborts, whichever comes
 * first. For calls that take no signal of their own (a store round trip, a bot's stop): the work
 * goes on in the background, the caller stops waiting. Pass `AbortSignal.timeout(ms)` for a deadline.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Waits for `work` at most until `signal` aborts; never rejects (shutdown steps use this). */
export async function settleWithin(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  await untilAborted(work, signal).catch(() => undefined);
}
