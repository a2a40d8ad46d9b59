import { t } from '../../i18n/index.js';
import type { EngineContext } from '../context.js';
import { keys } from '../state/keys.js';
import type { JobRecord } from '../state/session.js';
import type { Platform } from '../types.js';
import type { JobRunner } from './run.js';

const HEARTBEAT_MS = 10_000;

/**
 * Jobs a previous process (or a dead instance) left unfinished are reported to their users as
 * interrupted, with Retry. Every instance lists itself; on a shared store it also keeps a
 * heartbeat, so the others leave its jobs alone while it lives and sweep when it dies.
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
        await this.report({ ...job, instance: inst });
      }
      const left = (await store.get<string[]>(keys.jobsOf(inst))) ?? [];
      if (left.length === 0) {
        await store.delete(keys.jobsOf(inst));
        await store.update<string[]>(keys.instances, (cur) => (cur ?? []).filter((x) => x !== inst));
      }
    }
  }

  private async report(job: JobRecord): Promise<void> {
    // Several instances may sweep at once: one of them reports.
    if (!(await this.ctx.records.claim(keys.recover(job.id)))) return;
    this.ctx.log.warn({ job: job.id }, 'reporting a job interrupted by a restart');
    try {
      await this.runner.finish(job, this.ctx.outbox(job.thread.platform, job.reply), { state: 'failed', failure: t(job.locale, 'engine.interrupted') });
    } catch (err) {
      this.ctx.log.error({ err, job: job.id }, 'could not report an interrupted job');
    }
  }
}
