import { t } from '../../i18n/index.js';
import { encodeImage } from '../../pipeline/image/encode.js';
import type { LabelMap } from '../../core/types.js';
import { errorsTotal, jobsTotal, timed } from '../../util/metrics.js';
import { untilAborted } from '../../util/abort.js';
import { UserFacingError, errorMessage } from '../../util/errors.js';
import type { EngineContext, Outbox } from '../context.js';
import type { Photos } from '../flows/photos.js';
import { cancelledReply, describeCommands, failedCheckLines, failureReply, jobNames, progressReply, resultReply, resultView, skippedLines } from '../present/replies.js';
import { audienceOf, failureText, segmentWhy } from '../present/availability.js';
import { trustOf } from '../trust.js';
import { keys } from '../state/keys.js';
import { advanceTo, newId, type JobRecord, type Revision } from '../state/session.js';
import { ReplyExpiredError, type Reply } from '../types.js';
import { ProgressMessage } from './progress.js';
import { queuedReply, waitForParts } from './wait.js';
import { JobHandedBack } from './queue/index.js';

class JobTimeout extends Error {}

/** A job started in this process, with what its runner needs when it runs here too. */
export interface LocalJob {
  job: JobRecord;
  out: Outbox;
  progress: ProgressMessage;
  messageSent: Promise<void>;
}

interface Finish {
  state: 'done' | 'failed' | 'cancelled';
  progress?: ProgressMessage;
  reply?: Reply;
  failure?: string;
  timedOut?: boolean;
}

/**
 * Runs queued jobs: loads the job, runs the executor under the job's timeout and cancel signal,
 * stores the result as a new revision and edits the job's message into the result, a failure
 * with Retry, or a cancellation.
 */
export class JobRunner {
  readonly local = new Map<string, LocalJob>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly photos: Photos,
  ) {}

  /** A queued job's message (the parts model's download while it waits for it). */
  queuedReply(job: JobRecord, position: number): Reply {
    return queuedReply(this.ctx, job, position);
  }

  progressFor(out: Outbox): ProgressMessage {
    return new ProgressMessage(out, this.ctx.config.jobs.progressIntervalMs, (err) => this.ctx.log.warn({ err: errorMessage(err) }, 'progress update failed'));
  }

  /**
   * The queue's runner: a job started here runs with what startJob prepared; one started by another
   * instance (shared queue) is loaded from the store and answered through this instance's adapter
   * for its platform, editing the same progress message.
   */
  async runQueued(id: string, signal: AbortSignal): Promise<void> {
    const local = this.local.get(id);
    if (local) {
      await local.messageSent;
      return this.run(local.job, local.out, local.progress, signal);
    }
    const job = await this.ctx.records.job(id);
    // Finished or cancelled meanwhile (or expired): nothing to run, nothing to say.
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return;
    const adapter = this.ctx.adapter(job.thread.platform);
    // Thrown: the queue tries again later, on an instance where that platform's bot is connected.
    if (!adapter) throw new Error(`no ${job.thread.platform} adapter on this instance`);
    const out = this.ctx.outbox(job.thread.platform, job.reply);
    const progress = this.progressFor(out);
    if (job.message) progress.attach(job.message, job.state === 'running' ? progressReply(job, { state: 'running' }) : this.queuedReply(job, 1));
    await this.run(job, out, progress, signal);
  }

  /** A job the shared queue gave up on (its workers kept dying): the user gets a failure with Retry, never silence. */
  async lost(id: string, reason: string): Promise<void> {
    const job = await this.ctx.records.job(id);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return;
    if (!this.ctx.adapter(job.thread.platform)) {
      this.ctx.log.error({ reason, platform: job.thread.platform }, 'job lost and no adapter here to tell the user');
      return;
    }
    if (!(await this.ctx.records.claim(keys.recover(id)))) return;
    this.ctx.log.warn({ reason }, 'job lost: reporting it to the user');
    await this.finish(job, this.ctx.outbox(job.thread.platform, job.reply), { state: 'failed', failure: t(job.locale, 'engine.interrupted') });
  }

  private async run(job: JobRecord, out: Outbox, progress: ProgressMessage, cancelSignal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const timeout = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const signal = AbortSignal.any([cancelSignal, timeout.signal]);
    try {
      // Waiting for the parts model does not count against the job's time limit.
      if (job.waitsForParts) await waitForParts(ctx, job, progress, cancelSignal);
      timer = setTimeout(() => timeout.abort(new JobTimeout('timeout')), ctx.ms(ctx.config.jobs.timeoutSeconds));
      job.state = 'running';
      await ctx.records.saveJob(job);
      progress.push(progressReply(job, { state: 'running' }));
      const reply = await this.execute(job, out, progress, signal);
      await this.finish(job, out, { state: 'done', progress, reply });
    } catch (err) {
      // Shutting down: the shared queue gives the job to another instance, which reports it.
      if (cancelSignal.reason instanceof JobHandedBack) throw cancelSignal.reason;
      if (cancelSignal.aborted) await this.finish(job, out, { state: 'cancelled', progress });
      else if (timeout.signal.aborted) await this.finish(job, out, { state: 'failed', progress, timedOut: true, failure: t(job.locale, 'engine.timeout', { seconds: ctx.config.jobs.timeoutSeconds }) });
      else {
        let reason: string;
        if (err instanceof UserFacingError) {
          reason = failureText(err, job.locale, audienceOf(job.thread.platform));
          ctx.log.info({ key: err.key, cause: err.cause === undefined ? undefined : errorMessage(err.cause) }, 'job ended with an explanation');
        } else {
          errorsTotal.inc({ area: 'engine' });
          ctx.log.error({ err, job: job.id }, 'job failed');
          reason = t(job.locale, 'engine.failed', { reason: t(job.locale, 'engine.failed_unknown') });
        }
        await this.finish(job, out, { state: 'failed', progress, failure: reason });
      }
    } finally {
      clearTimeout(timer);
      this.local.delete(job.id);
    }
  }

  /** The edit itself: photo in, new revision out; returns the result reply. */
  private async execute(job: JobRecord, out: Outbox, progress: ProgressMessage, signal: AbortSignal): Promise<Reply> {
    const { records, blobs, deps, config } = this.ctx;
    const session = await records.session(job.thread);
    const base = session?.revisions[job.base];
    if (!session || session.id !== job.sessionId || !base) throw new UserFacingError('engine.stale');
    const image = await blobs.get(base.blob.id);
    let labelMap: LabelMap | undefined;
    if (deps.executor.needsSegmentation(job.commands)) {
      const seg = await this.photos.segment(base.blob, job.locale);
      if (!seg.map) {
        // The parts model is not there after all (the download failed): the same sentence as everywhere.
        const why = segmentWhy(seg, job.locale, audienceOf(job.thread.platform));
        throw new UserFacingError('engine.needs_parts', { command: describeCommands(job.commands, job.locale, jobNames(job)), why });
      }
      labelMap = seg.map;
    }
    // The second photo of the message that started the session: a face to swap in, or a new background.
    const secondPhoto = session.faceSource ? await blobs.get(session.faceSource.id) : undefined;
    const result = await untilAborted(
      timed('executor', () =>
        deps.executor.execute({
        image,
        labelMap,
        commands: job.commands,
        faceSource: secondPhoto,
        backgroundSource: secondPhoto,
        settings: job.settings,
        signal,
          onProgress: (p) => progress.push(progressReply(job, { state: 'running', fraction: Math.max(0, Math.min(1, p.fraction)) })),
        }),
      ),
      signal,
    );
    if (result.applied.length === 0) {
      // Every command was skipped: say why instead of posting an unchanged photo as "done".
      throw new UserFacingError('engine.nothing_applied', { reasons: skippedLines(result.skipped, job.locale, jobNames(job)) || t(job.locale, 'engine.failed_unknown') });
    }
    const upload = await deps.encodeForUpload(result.image, out.uploadLimit(job.thread));
    signal.throwIfAborted();
    const trust = trustOf(this.ctx);
    // The result check: did each edit show up? Failed ones are listed with a targeted retry.
    const checked = await trust.checkResult(job, image, result, upload, labelMap, signal);
    job.checks = checked?.failed.length ? checked.failed : undefined;
    if (checked && checked.report.commands.length > 0 && checked.report.commands.every((c) => !c.passed && c.failure === 'unchanged')) {
      // Nothing showed up: not "done", and the photo stays as it was.
      throw new UserFacingError('check.nothing_changed', { details: failedCheckLines(checked.failed, job.locale, jobNames(job)) });
    }
    // Content safety before posting (a refusal was logged with the event id and category).
    const refusal = await trust.screenOutput(job, upload, signal);
    if (refusal) {
      job.checks = undefined; // nothing of this result is shown, so nothing to retry stronger
      throw new UserFacingError(refusal.key, refusal.params);
    }
    // Revisions are kept lossless so the next edit does not start from a JPEG.
    const lossless = upload.mimeType === 'image/png' ? upload.data : await encodeImage(result.image, { format: 'png' });
    const blob = await blobs.put(lossless, 'image/png');
    const revision: Revision = { id: newId(6), blob, width: result.image.width, height: result.image.height, parent: job.base, commands: result.applied, createdAt: Date.now() };
    const updated = await records.updateSession(job.thread, (s) => {
      if (s.id !== job.sessionId) return;
      s.revisions[revision.id] = revision;
      advanceTo(s, revision.id, config.maxRevisions);
    });
    if (!updated || updated.id !== job.sessionId) throw new UserFacingError('engine.stale');
    job.result = revision.id;
    job.view = resultView(job, result);
    return resultReply(job, job.view, { ...upload, width: result.image.width, height: result.image.height });
  }

  /**
   * The one final edit of a job's message: result, failure with Retry, or cancellation. A result the
   * platform refuses (an upload that did not arrive) becomes a failure the user can retry; a reply
   * context that expired leaves the job "undelivered", and Retrieve shows it later.
   */
  async finish(job: JobRecord, out: Outbox, o: Finish): Promise<void> {
    const { records, queue, store, instanceId } = this.ctx;
    job.state = o.state;
    job.failure = o.failure;
    jobsTotal.inc({ state: o.timedOut ? 'timeout' : o.state });
    this.ctx.log.info({ jobId: job.id, state: o.state, lane: job.lane }, 'job finished');
    await records.saveJob(job);
    if (!queue.shared) await store.update<string[]>(keys.jobsOf(job.instance ?? instanceId), (ids) => (ids ?? []).filter((id) => id !== job.id));
    const progress = o.progress ?? this.local.get(job.id)?.progress;
    const reply = o.reply ?? (o.state === 'cancelled' ? cancelledReply(job) : failureReply(job, o.failure));
    const deliver = (r: Reply) => (progress ? progress.finish(r, job.thread) : job.message ? out.update(job.message, r) : out.send(job.thread, r));
    try {
      await deliver(reply);
    } catch (err) {
      if (err instanceof UserFacingError && reply.kind === 'result') {
        // The platform did not take the photo: say so, with Retry, rather than "done" without a picture.
        this.ctx.log.warn({ err: errorMessage(err) }, 'result could not be shown');
        job.failure = t(job.locale, err.key, err.params);
        await records.saveJob(job);
        try {
          await deliver(failureReply(job, job.failure));
          return;
        } catch (again) {
          err = again;
        }
      }
      job.undelivered = true;
      await records.saveJob(job).catch(() => undefined);
      this.ctx.log.warn({ err: errorMessage(err), reason: err instanceof ReplyExpiredError ? 'reply expired' : 'delivery failed' }, 'job answer not delivered; Retrieve shows it');
    }
  }
}
