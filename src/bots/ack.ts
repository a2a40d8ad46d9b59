import { AsyncLocalStorage } from 'node:async_hooks';
import type { Deliver } from '../engine/types.js';

/** How long a platform may wait for our acknowledgement before it counts the delivery failed (Slack, Feishu: 3 s), less a margin. */
export const ACK_BUDGET_MS = 2_500;

/**
 * Acknowledge-after-store, for platforms that deliver again what is not acknowledged in time
 * (Slack, Feishu): a delivery is acknowledged only once every event it carried is stored in the
 * engine's inbox. When storing takes longer than the platform waits (a slow platform API while
 * reading the event), or the engine refuses it (shutting down), the delivery is left
 * unacknowledged and the platform sends it again; the engine drops the copy it already has.
 */
export class AckGate {
  private readonly runs = new AsyncLocalStorage<{ refused?: unknown }>();

  constructor(private readonly budgetMs = ACK_BUDGET_MS) {}

  /** `deliver`, remembering a refusal for the delivery in progress. */
  wrap(deliver: Deliver): Deliver {
    return async (event, ctx) => {
      try {
        await deliver(event, ctx);
      } catch (err) {
        const run = this.runs.getStore();
        if (run) run.refused = err;
        throw err;
      }
    };
  }

  /**
   * Runs the handling of one delivery (which calls the wrapped deliver) and resolves true when it
   * finished within the budget with everything stored: then, and only then, acknowledge. The work
   * goes on (tracked by `track`) when the budget runs out.
   */
  async stored(work: () => Promise<unknown>, track: <T>(p: Promise<T>) => Promise<T> = (p) => p): Promise<boolean> {
    const run: { refused?: unknown } = {};
    const done = track(this.runs.run(run, work));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      done.then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.budgetMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
    return finished && run.refused === undefined;
  }
}
