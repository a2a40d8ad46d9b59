import { resolveLocale } from '../i18n/index.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { onAction, type ActionServices } from './actions/registry.js';
import { EngineStopping, JournaledOutbox, type EngineContext, type Outbox } from './context.js';
import { errorReply, inEventScope } from './envelope.js';
import { onCommand } from './flows/commands.js';
import { onMessage, type ThreadState } from './flows/intake.js';
import { say } from './present/replies.js';
import { inAttempt } from './state/ids.js';
import { LeaseLost, type Inbox, type InboxEntry } from './state/inbox.js';
import { StoreClosed } from './state/store.js';
import { eventOf } from './types.js';

/**
 * Handles the events of the inbox: one attempt per entry (a new event, or one resumed after a
 * restart), routed to flows/ or actions/, answered through a journaling outbox, and completed in the
 * inbox only when it was answered. Work cut off by shutdown stays in the inbox for the next start.
 */
export class EventHandler {
  /** Inbox entries being handled here, by id. */
  readonly handling = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly services: ActionServices,
    private readonly inbox: Inbox,
    private readonly baseLog: Logger,
    private readonly background: <T>(work: Promise<T>) => Promise<T>,
  ) {}

  /** Handles one inbox entry (a new event, or one resumed after a restart). */
  process(entry: InboxEntry): Promise<void> {
    const event = entry.event!;
    const ev = eventOf(event);
    const log = this.baseLog.child({ eventId: ev.eventId, platform: ev.platform, kind: event.kind, ...(entry.attempts > 1 ? { attempt: entry.attempts } : {}) });
    const work = inEventScope(log, { platform: ev.platform, kind: event.kind }, () => inAttempt(entry.id, entry.seed!, () => this.handle(entry)));
    this.handling.set(entry.id, work);
    void this.background(work)
      .catch((err: unknown) => log.error({ err }, 'event handling failed'))
      .finally(() => this.handling.delete(entry.id));
    return work;
  }

  private async handle(entry: InboxEntry): Promise<void> {
    const event = entry.event!;
    const ev = eventOf(event);
    const adapter = this.ctx.adapter(ev.platform);
    if (!adapter) throw new Error(`no ${ev.platform} adapter attached to the engine`);
    const out = new JournaledOutbox(adapter, entry.reply, undefined, this.ctx.stopping.signal, entry, this.inbox, this.ctx.instanceId, (w) => this.ctx.track(w));
    // The thread's records are read while the outbox is set up: the first answer is the latency users notice.
    const thread = event.kind === 'action' ? undefined : this.readThread(ev);
    thread?.catch(() => undefined);
    let finished = true;
    try {
      if (entry.attempts > 1 && Date.now() - entry.receivedAt > this.ctx.ms(this.ctx.config.inbox.maxAgeSeconds)) await this.answerStale(entry, out);
      else if (event.kind === 'message') await onMessage(this.ctx, this.services, event.message, out, await thread!);
      else if (event.kind === 'command') await onCommand(this.ctx, this.services, event.command, out, await thread!);
      else await onAction(this.services, event.action, out);
    } catch (err) {
      if (this.cutOff(err)) finished = false;
      else {
        try {
          await this.answerFailure(err, ev, out, event.kind === 'action');
        } catch (answerErr) {
          if (this.cutOff(answerErr)) finished = false;
          else throw answerErr;
        }
      }
    }
    if (!finished) {
      // Stays in the inbox; the next start (or another instance) handles it again.
      this.ctx.log.info({ attempt: entry.attempts }, 'event left unfinished for the next start');
      return;
    }
    out.seal();
    if (entry.reply) await out.adapter.settle?.(entry.reply)?.catch((err: unknown) => this.ctx.log.warn({ err: errorMessage(err) }, 'adapter could not settle the event'));
    await this.inbox.complete(entry.id);
  }

  /** The work was cut off by shutdown (or another instance took the event over): not a failure to report. */
  private cutOff(err: unknown): boolean {
    return err instanceof EngineStopping || err instanceof StoreClosed || err instanceof LeaseLost || (this.ctx.stopping.signal.aborted && err === this.ctx.stopping.signal.reason);
  }

  /** An event that waited too long in the inbox (the bot was down): its user is asked to send it again. */
  private async answerStale(entry: InboxEntry, out: Outbox): Promise<void> {
    const ev = eventOf(entry.event!);
    const session = await this.ctx.records.session(ev.thread).catch(() => undefined);
    const fallback = session?.locale ?? this.ctx.config.defaultLocale;
    const reply = say(ev.locale ? resolveLocale(ev.locale, fallback) : fallback, 'engine.restarted_resend', {}, 'error');
    this.ctx.log.warn({ ageSeconds: Math.round((Date.now() - entry.receivedAt) / 1000) }, 'event too old to handle after a restart: asking the user to send it again');
    try {
      if (entry.event!.kind === 'action') await out.ephemeral(ev.thread, ev.user, reply);
      else await out.send(ev.thread, reply);
    } catch (err) {
      if (this.cutOff(err)) throw err;
      // The platform no longer takes a reply to it (an expired interaction token): said in the logs, never silently.
      this.ctx.log.warn({ err: errorMessage(err) }, 'could not tell the user to send an event again; dropping it');
    }
  }

  private async readThread(ev: ReturnType<typeof eventOf>): Promise<ThreadState> {
    const [session, settings] = await Promise.all([this.ctx.records.session(ev.thread), this.ctx.records.settings(ev.thread, ev.user.id)]);
    return { session, settings };
  }

  /** Every failure ends in a message the user can read, never in silence. */
  private async answerFailure(err: unknown, ev: ReturnType<typeof eventOf>, out: Outbox, privately: boolean): Promise<void> {
    const session = await this.ctx.records.session(ev.thread).catch(() => undefined);
    const fallback = session?.locale ?? this.ctx.config.defaultLocale;
    const reply = errorReply(err, ev.locale ? resolveLocale(ev.locale, fallback) : fallback, this.ctx.log);
    try {
      if (privately) await out.ephemeral(ev.thread, ev.user, reply);
      else await out.send(ev.thread, reply);
    } catch (sendErr) {
      if (this.cutOff(sendErr)) throw sendErr;
      this.ctx.log.error({ err: sendErr }, 'could not deliver an error reply');
    }
  }
}
