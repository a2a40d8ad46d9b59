import { LRUCache } from 'lru-cache';
import type { Locale } from '../../i18n/index.js';
import { t } from '../../i18n/index.js';
import type { EngineContext, Outbox } from '../context.js';
import type { Command } from '../deps.js';
import { markRejected } from '../envelope.js';
import { progressReply, say } from '../present/replies.js';
import { keys } from '../state/keys.js';
import { newId, type JobRecord, type ThreadSession, type ThreadSettings } from '../state/session.js';
import type { UserRef } from '../types.js';
import { currentEventId, trustOf } from '../trust.js';
import type { Recovery } from './recovery.js';
import type { JobRunner } from './run.js';

const MINUTE = 60_000;

export interface StartRequest {
  session: ThreadSession;
  commands: Command[];
  /** Revision the job edits. */
  base: string;
  user: UserRef;
  locale: Locale;
  /**
   * Where the job answers: `out.message` set means the clicked message (a proposal, a failed job)
   * becomes the job's message; otherwise the job posts one.
   */
  out: Outbox;
  newSeed?: boolean;
  /** Settings for this job only, over the thread's (a targeted retry's stronger values). */
  settings?: Partial<ThreadSettings>;
  /** The label of the control that started the job, kept (disabled) on its message while it runs. */
  chosen?: string;
  /** The proposal's commands that were not chosen, offered again on the result. */
  more?: JobRecord['more'];
  /** What the request's reply would have said beside its buttons (instead, not possible, not understood). */
  notes?: { label: string; value: string }[];
}

/**
 * Admits and queues jobs: refuses politely when the bot is shutting down or the user is over their
 * limits, else records the job, shows its progress (in the clicked message when the click hands it
 * over, else in a new one) and hands it to the queue.
 */
export class JobStarter {
  /** Starts per user within the last minute (the in-process queue; a shared queue counts in Redis). */
  private readonly starts = new LRUCache<string, number[]>({ max: 10_000, ttl: MINUTE });

  constructor(
    private readonly ctx: EngineContext,
    private readonly runner: JobRunner,
    private readonly recovery: Recovery,
  ) {}

  /** Returns whether the job was queued. */
  async start(o: StartRequest): Promise<boolean> {
    const { ctx } = this;
    const { session, out, locale } = o;
    const id = newId(16);
    // The same event handled again after a restart mints the same job id: that job is under way already.
    if (await ctx.records.job(id)) return true;
    const refuse = async (key: 'engine.shutting_down' | 'engine.rate_limited' | 'engine.too_many_jobs' | 'safety.face_swap_off' | 'safety.face_swap_own_photos', params: Record<string, number> = {}) => {
      markRejected();
      await out.ephemeral(session.thread, o.user, say(locale, key, params, 'error'));
      return false;
    };
    if (ctx.closed) return refuse('engine.shutting_down');
    // Every job starts here (a proposal's buttons, Retry, a targeted retry): the face swap policy for whoever clicked.
    const faceSwap = trustOf(ctx).faceSwapRefusal(session, o.user.id, o.commands);
    if (faceSwap) return refuse(faceSwap);
    const { queue, config } = ctx;
    const now = Date.now();
    const recent = queue.recentStarts ? await queue.recentStarts(o.user.id, MINUTE) : (this.starts.get(o.user.id) ?? []).filter((ts) => now - ts < MINUTE);
    if (recent.length >= config.jobs.perUserPerMinute) return refuse('engine.rate_limited', { seconds: Math.ceil((MINUTE - (now - recent[0]!)) / 1000) });
    const active = await queue.countForUser(o.user.id);
    if (active >= config.jobs.maxQueuedPerUser) return refuse('engine.too_many_jobs', { count: active });
    if (queue.recordStart) await queue.recordStart(o.user.id, MINUTE);
    else this.starts.set(o.user.id, [...recent, now]);

    const settings = { ...(await ctx.records.settings(session.thread, session.owner)), ...(o.settings ?? {}) };
    if (o.newSeed) settings.seed = Math.floor(Math.random() * 2 ** 31);
    const { catalog, executor } = ctx.deps;
    const names = ctx.names(locale);
    const labels = new Set(o.commands.flatMap((c) => (Array.isArray(c.args.labels) ? c.args.labels.map(String) : [])));
    const eventId = currentEventId();
    const job: JobRecord = {
      id,
      sessionId: session.id,
      thread: session.thread,
      owner: session.owner,
      user: o.user.id,
      commands: o.commands,
      base: o.base,
      settings,
      lane: this.laneFor(o.commands, settings),
      state: 'queued',
      instance: ctx.instanceId,
      reply: out.ctx,
      locale,
      ...(eventId ? { eventId } : {}),
      ...(o.chosen ? { chosen: o.chosen } : {}),
      ...(o.more?.items.length ? { more: o.more } : {}),
      ...(o.notes?.length ? { notes: o.notes } : {}),
      generative: o.commands.some((c) => catalog?.rule(c.command)?.executor === 'generative'),
      labelNames: Object.fromEntries([...labels].map((l) => [l, names(l)])),
      // Part edits asked for while the parts model downloads wait for it, then run by themselves.
      ...(ctx.capabilities().parts.state === 'downloading' && executor.needsSegmentation(o.commands) ? { waitsForParts: true } : {}),
      createdAt: now,
      updatedAt: now,
    };
    // The platform stops taking replies to this event before the job may end (Discord without a bot
    // token: 15 minutes): say so now, and offer Retrieve, which answers with a fresh click.
    const deadline = out.deadline();
    if (deadline !== undefined && deadline - now < ctx.ms(config.jobs.timeoutSeconds)) job.mayOutliveReply = true;
    await ctx.records.setScope(job.id, { kind: 'job', thread: job.thread, owner: job.owner, sessionId: job.sessionId, jobId: job.id });
    await ctx.records.saveJob(job);
    await this.recovery.register();
    // The in-process queue dies with this process: list the job so a restart can report it. A shared
    // queue keeps it in Redis, where another instance (or this one, restarted) runs it.
    if (!queue.shared) await ctx.store.update<string[]>(keys.jobsOf(ctx.instanceId), (ids) => [...(ids ?? []), job.id]);

    // The job outlives the event: its progress edits are not part of the event's journal.
    const jobOut = out.detached();
    const progress = this.runner.progressFor(jobOut);
    let sent!: () => void;
    const messageSent = new Promise<void>((r) => (sent = r));
    this.runner.local.set(job.id, { job, out: jobOut, progress, messageSent });
    const queued = { id: job.id, user: o.user.id, lane: job.lane };
    const onPosition = (position: number) => progress.push(() => this.runner.queuedReply(job, position));
    try {
      // A shared queue may hand the job to another instance at once: the message it edits must exist first.
      const position = queue.shared ? await queue.estimatePosition(job.lane) : await queue.enqueue(queued, onPosition);
      const first = position || job.waitsForParts ? this.runner.queuedReply(job, position || 1) : progressReply(job, { state: 'running' });
      try {
        job.message = await out.post(session.thread, first);
        progress.attach(job.message, first);
        await ctx.records.saveJob(job);
      } finally {
        sent();
      }
      if (queue.shared) await queue.enqueue(queued, onPosition);
    } catch (err) {
      this.runner.local.delete(job.id);
      if (queue.shared) {
        await this.runner.finish(job, jobOut, { state: 'failed', progress, failure: t(locale, 'engine.failed', { reason: t(locale, 'engine.failed_unknown') }) }).catch(() => undefined);
      }
      throw err;
    }
    return true;
  }

  private laneFor(commands: Command[], settings: ThreadSettings): string {
    const { catalog } = this.ctx.deps;
    const generative = commands.some((c) => catalog?.rule(c.command)?.executor === 'generative');
    if (generative) return settings.backend ?? 'generative';
    return catalog ? 'local' : 'default';
  }
}
