import type { Locale } from '../../i18n/index.js';
import type { EngineContext, Outbox } from '../context.js';
import { errorReply } from '../envelope.js';
import type { ThreadRef } from '../types.js';

/**
 * Work done after the acknowledgement of a request: a failure ends in that same message (the
 * acknowledgement becomes the error), so a request still leaves one message.
 */
export async function inAcknowledged(ctx: EngineContext, out: Outbox, thread: ThreadRef, locale: Locale, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!out.message) throw err;
    await out.post(thread, errorReply(err, locale, ctx.log));
  }
}
