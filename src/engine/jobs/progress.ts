import type { Outbox } from '../context.js';
import type { MessageRef, Reply, ThreadRef } from '../types.js';

/**
 * One message showing a job's queue position and progress. Edits are throttled (platform rate
 * limits) and serialised, and the final edit always lands last.
 */
export class ProgressMessage {
  private ref?: MessageRef;
  private shown?: Reply;
  /** The newest state, built only when it is shown (queue positions change often in a burst). */
  private pending?: Reply | (() => Reply);
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private lastAt = 0;
  private done = false;

  constructor(
    private readonly out: Outbox,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  attach(ref: MessageRef, shown: Reply): void {
    this.ref = ref;
    this.shown = shown;
    this.lastAt = Date.now();
    if (this.pending) this.schedule();
  }

  push(reply: Reply | (() => Reply)): void {
    if (this.done) return;
    this.pending = reply;
    if (this.ref) this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref?.();
  }

  private flush(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending || this.done || !this.ref) return;
    const next = typeof pending === 'function' ? pending() : pending;
    if (sameReply(next, this.shown)) return;
    this.shown = next;
    this.lastAt = Date.now();
    const ref = this.ref;
    this.chain = this.chain.then(() => this.out.update(ref, next)).catch(this.onError);
  }

  /** The last word: edits the message (or posts one when there is none yet). */
  async finish(reply: Reply, thread: ThreadRef): Promise<void> {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
    if (this.ref) await this.out.update(this.ref, reply);
    else await this.out.send(thread, reply);
  }
}

function sameReply(a: Reply, b: Reply | undefined): boolean {
  return !!b && a.text === b.text && a.progress?.state === b.progress?.state;
}
