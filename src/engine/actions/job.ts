import { continueFrom } from '../flows/history.js';
import { t } from '../../i18n/index.js';
import { retryLabel } from '../present/buttons.js';
import { cancelledReply, describeCommand, describeCommands, failureReply, jobNames, resultReply, say } from '../present/replies.js';
import type { ActionCall, ActionSpec } from './types.js';

type JobCall = ActionCall<Extract<ActionCall['scope'], { kind: 'job' }>>;

async function jobOf(call: JobCall) {
  const job = await call.ctx.records.job(call.scope.jobId);
  if (!job) await call.refuse('engine.expired');
  return job;
}

export const jobActions = {
  stop: {
    scopes: ['job'],
    claims: true,
    async handle(call: JobCall) {
      const job = await jobOf(call);
      if (!job) return;
      const where = await call.ctx.queue.cancel({ id: job.id, user: job.user ?? job.owner, lane: job.lane });
      // A running job reports its own cancellation when its signal aborts.
      if (where === 'queued') await call.runner.finish(job, call.ctx.outbox(job.thread.platform, job.reply), { state: 'cancelled' });
      else if (where === 'unknown') await call.refuse('engine.already_done');
    },
  },
  cont: {
    scopes: ['job'],
    claims: true,
    async handle(call: JobCall) {
      const job = await jobOf(call);
      if (!job) return;
      if (!job.result || !call.session.revisions[job.result]) return void (await call.refuse('engine.stale'));
      // The result's own message says it is now the base.
      call.out.message = job.message ?? call.action.message;
      await continueFrom(call.ctx, call.scope, job, call.locale, call.out);
    },
  },
  retry: {
    scopes: ['job'],
    claims: true,
    async handle(call: JobCall) {
      const job = await jobOf(call);
      if (!job) return false;
      const base = call.session.revisions[job.base] ? job.base : call.session.current;
      // The new attempt runs in the message of the one it replaces.
      call.out.message = job.message ?? call.action.message;
      return call.starter.start({ session: call.session, commands: job.commands, base, user: call.action.user, locale: call.locale, out: call.out, newSeed: true, chosen: retryLabel(call.locale, Boolean(job.generative)) });
    },
  },
  fix: {
    scopes: ['job'],
    claims: true,
    /**
     * The targeted retry: only the command whose result check failed runs again, stronger (new seed,
     * more denoising and CFG, or larger amounts), on the job's result when it has one (so the edits
     * that worked stay), else on the photo the job started from.
     */
    async handle(call: JobCall) {
      const job = await jobOf(call);
      if (!job) return false;
      const failed = job.checks?.find((c) => c.index === call.parsed.index);
      if (!failed) return void (await call.refuse('engine.expired')), false;
      const plan = call.ctx.deps.trust?.planRetry(failed.command, job.settings);
      if (!plan) return void (await call.refuse('check.retry_unavailable')), false;
      const { revisions, current } = call.session;
      const base = job.result && revisions[job.result] ? job.result : revisions[job.base] ? job.base : current;
      call.out.message = job.message ?? call.action.message;
      const chosen = t(call.locale, 'check.btn_retry', { edit: describeCommand(failed.command, call.locale, 40, jobNames(job)) });
      return call.starter.start({ session: call.session, commands: [plan.command], base, user: call.action.user, locale: call.locale, out: call.out, settings: plan.settings, chosen });
    },
  },
  get: {
    scopes: ['job'],
    claims: false,
    /** Shows a job's outcome in the message it belongs to, with this click's fresh reply context. */
    async handle(call: JobCall) {
      const job = await jobOf(call);
      if (!job) return;
      if (job.state === 'queued' || job.state === 'running') {
        await call.out.ephemeral(call.action.thread, call.action.user, say(job.locale, 'engine.still_running', { commands: describeCommands(job.commands, job.locale, jobNames(job)) }));
        return;
      }
      call.out.message = job.message ?? call.action.message;
      const rev = job.result ? call.session.revisions[job.result] : undefined;
      if (job.state === 'done' && rev && job.view) {
        const image = await call.photos.attachment(rev, call.out.uploadLimit(job.thread), job.view.alt);
        await call.out.post(job.thread, resultReply(job, job.view, image));
      } else if (job.state === 'cancelled') await call.out.post(job.thread, cancelledReply(job));
      else await call.out.post(job.thread, failureReply(job, job.failure));
      if (job.undelivered) await call.ctx.records.saveJob({ ...job, undelivered: false });
    },
  },
} satisfies Record<string, ActionSpec<'job'>>;
