import { t } from '../../i18n/index.js';
import type { EngineContext } from '../context.js';
import { keys } from '../state/keys.js';
import type { JobRecord } from '../state/session.js';
import type { Platform } from '../types.js';
import type { JobRunner } from './run.js';

const HEARTBEAT_MS = 10_000;

/**
 * Jobs a previous process (or a dead instance) left unfinished on the in-process queue are run
 * again here when their photo and commands are still in the store, and otherwise reported to their
 * users as interrupted, with Retry. Every instance lists itself; on a shared store it also keeps a
 * heartbeat, so the others leave its jobs alone while it lives and sweep when it dies. (BullMQ
 * keeps its own jobs: a dead worker's job goes back in line by itself.)
 */
export class Recovery {
  private registered?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private readonly swept = new Map<Platform, Promise<void>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly runner: JobRunner,
  ) {}

  register(): Promise<void> {
    const { ctx } = this;
    this.registered ??= (async () => {
      await ctx.store.update<string[]>(keys.instances, (ids) => [...new Set([...(ids ?? []), ctx.instanceId])]);
      if (ctx.store.kind !== 'redis') return;
      const beat = () => ctx.store.set(keys.heartbeat(ctx.instanceId), Date.now(), 3 * HEARTBEAT_MS).catch((err) => ctx.log.warn({ err }, 'heartbeat failed'));
      await beat();
      this.heartbeat = setInterval(() => {
        void beat();
        for (const adapter of ctx.platforms()) void this.sweep(adapter.platform).catch(() => undefined);
      }, HEARTBEAT_MS);
      this.heartbeat.unref?.();
    })();
    return this.registered;
  }

  /** Once per platform, when its adapter is attached: report what earlier instances left behind. */
  onAttach(platform: Platform): Promise<void> {
    let done = this.swept.get(platform);
    if (!done) {
      done = this.register()
        .then(() => this.sweep(platform))
        .catch((err) => this.ctx.log.error({ err }, 'could not report interrupted jobs'));
      this.swept.set(platform, done);
    }
    return done;
  }

  /** Whether the sweeps started so far are done (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.swept.values()]);
  }

  async stop(keepRecord: boolean): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!keepRecord) await this.ctx.store.delete(keys.heartbeat(this.ctx.instanceId)).catch(() => undefined);
  }

  private async sweep(platform: Platform): Promise<void> {
    const { ctx } = this;
    const { store } = ctx;
    const instances = (await store.get<string[]>(keys.instances)) ?? [];
    for (const inst of instances) {
      if (inst === ctx.instanceId) continue;
      // Single-process stores (memory, SQLite): any other instance is a previous run of this process.
      if (store.kind === 'redis' && (await store.get(keys.heartbeat(inst))) !== undefined) continue;
      const ids = (await store.get<string[]>(keys.jobsOf(inst))) ?? [];
      for (const id of ids) {
        const job = await ctx.records.job(id);
        if (job && job.thread.platform !== platform) continue;
        if (!job || (job.state !== 'queued' && job.state !== 'running')) {
          await store.update<string[]>(keys.jobsOf(inst), (cur) => (cur ?? []).filter((x) => x !== id));
          continue;
        }
        await this.recoverJob({ ...job, instance: inst });
      }
      const left = (await store.get<string[]>(keys.jobsOf(inst))) ?? [];
      if (left.length === 0) {
        await store.delete(keys.jobsOf(inst));
        await store.update<string[]>(keys.instances, (cur) => (cur ?? []).filter((x) => x !== inst));
      }
    }
  }

  private async recoverJob(job: JobRecord): Promise<void> {
    // Several instances may sweep at once: one of them takes the job.
    if (!(await this.ctx.records.claim(keys.recover(job.id)))) return;
    if (!this.ctx.closed && (await this.resumable(job))) {
      try {
        await this.resumeJob(job);
        return;
      } catch (err) {
        this.ctx.log.error({ err, job: job.id }, 'could not resume a job; reporting it as interrupted');
      }
    }
    this.ctx.log.warn({ job: job.id }, 'reporting a job interrupted by a restart');
    try {
      await this.runner.finish(job, this.ctx.outbox(job.thread.platform, job.reply), { state: 'failed', failure: t(job.locale, 'engine.interrupted') });
    } catch (err) {
      this.ctx.log.error({ err, job: job.id }, 'could not report an interrupted job');
    }
  }

  /** Its session still has the photo it edits, and this process runs jobs itself. */
  private async resumable(job: JobRecord): Promise<boolean> {
    if (this.ctx.queue.shared) return false;
    const session = await this.ctx.records.session(job.thread);
    return Boolean(session && session.id === job.sessionId && session.revisions[job.base]);
  }

  /** Moves the job to this instance's list and queues it again; it edits the same progress message. */
  private async resumeJob(job: JobRecord): Promise<void> {
    const { ctx } = this;
    const from = job.instance;
    this.ctx.log.warn({ job: job.id, from }, 'resuming a job interrupted by a restart');
    await this.register();
    await ctx.store.update<string[]>(keys.jobsOf(ctx.instanceId), (ids) => (ids?.includes(job.id) ? ids : [...(ids ?? []), job.id]));
    if (from) await ctx.store.update<string[]>(keys.jobsOf(from), (ids) => (ids ?? []).filter((x) => x !== job.id));
    await ctx.records.saveJob({ ...job, instance: ctx.instanceId, state: 'queued' });
    // Taken: the claim goes back, so a later restart can resume it again if this process dies too.
    await ctx.records.release(keys.recover(job.id));
    await ctx.queue.enqueue({ id: job.id, user: job.user ?? job.owner, lane: job.lane });
  }
}
