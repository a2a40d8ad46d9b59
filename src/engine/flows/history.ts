import { t, type Locale } from '../../i18n/index.js';
import type { EngineContext, Outbox } from '../context.js';
import { threadButtons } from '../present/buttons.js';
import { resultReply, say } from '../present/replies.js';
import { advanceTo, currentRevision, redoOnce, undoOnce, type JobRecord } from '../state/session.js';
import type { ThreadRef, UserRef } from '../types.js';
import type { Photos } from './photos.js';

/**
 * Undo and redo: the thread's base photo moves along its revisions, and the photo is shown again —
 * in the message the button was on when `out.message` is set (a result), else in a new one. When
 * there is nothing to move, only the person who asked is told.
 */
export async function moveHistory(ctx: EngineContext, photos: Photos, thread: ThreadRef, dir: 'undo' | 'redo', locale: Locale, out: Outbox, user: UserRef): Promise<boolean> {
  let moved = false;
  const session = await ctx.records.updateSession(thread, (s) => {
    moved = dir === 'undo' ? undoOnce(s) : redoOnce(s);
  });
  if (!session || !moved) {
    await out.ephemeral(thread, user, say(locale, dir === 'undo' ? 'engine.nothing_to_undo' : 'engine.nothing_to_redo'));
    return false;
  }
  const rev = currentRevision(session);
  const token = await ctx.records.newScope({ kind: 'thread', thread, owner: session.owner, sessionId: session.id });
  const image = await photos.attachment(rev, out.uploadLimit(thread), t(locale, 'engine.alt_current'));
  const steps = { canUndo: session.undo.length > 0, canRedo: session.redo.length > 0 };
  await out.post(thread, say(locale, dir === 'undo' ? 'engine.undo_done' : 'engine.redo_done', {}, 'result', { images: [image], buttons: [threadButtons(token, locale, steps)] }));
  return true;
}

/**
 * Makes a job's result the base of the next edit. The result's message says so (its image stays)
 * and keeps "Continue from this" disabled as what was chosen; a result from before this lifecycle
 * (no stored view) gets a short answer of its own.
 */
export async function continueFrom(ctx: EngineContext, scope: { thread: ThreadRef; owner: string; sessionId: string }, job: JobRecord, locale: Locale, out: Outbox): Promise<void> {
  await ctx.records.updateSession(scope.thread, (s) => advanceTo(s, job.result!, ctx.config.maxRevisions));
  if (job.view && out.message) {
    await out.post(scope.thread, resultReply(job, job.view, undefined, { continued: true }));
    return;
  }
  const token = await ctx.records.newScope({ kind: 'thread', ...scope });
  await out.send(scope.thread, say(locale, 'engine.continue_done', {}, 'info', { buttons: [threadButtons(token, locale, { canRedo: false })] }));
}
