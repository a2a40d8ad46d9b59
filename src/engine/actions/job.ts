import { continueFrom } from '../flows/history.js';
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
      await continueFrom(call.ctx, call.scope, job.result, call.locale, call.out);
    },
  },
  retry: {
    scopes: ['job'],
    claims: true,
    async handle(call: JobCall) {
      const job = await jobOf(call);
      if (!job) return false;
      const base = call.session.revisions[job.base] ? job.base : call.session.current;
      return call.starter.start({ session: call.session, commands: job.commands, base, user: call.action.user, locale: call.locale, out: call.out, newSeed: true });
    },
  },
} satisfies Record<string, ActionSpec<'job'>>;
