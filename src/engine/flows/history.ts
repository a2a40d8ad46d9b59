import { t, type Locale } from '../../i18n/index.js';
import type { EngineContext, Outbox } from '../context.js';
import { threadButtons } from '../present/buttons.js';
import { say } from '../present/replies.js';
import { advanceTo, currentRevision, redoOnce, undoOnce } from '../state/session.js';
import type { ThreadRef } from '../types.js';
import type { Photos } from './photos.js';

/** Undo and redo: the thread's base photo moves along its revisions, and the photo is shown again. */
export async function moveHistory(ctx: EngineContext, photos: Photos, thread: ThreadRef, dir: 'undo' | 'redo', locale: Locale, out: Outbox): Promise<void> {
  let moved = false;
  const session = await ctx.records.updateSession(thread, (s) => {
    moved = dir === 'undo' ? undoOnce(s) : redoOnce(s);
  });
  if (!session || !moved) {
    await out.send(thread, say(locale, dir === 'undo' ? 'engine.nothing_to_undo' : 'engine.nothing_to_redo'));
    return;
  }
  const rev = currentRevision(session);
  const token = await ctx.records.newScope({ kind: 'thread', thread, owner: session.owner, sessionId: session.id });
  const image = await photos.attachment(rev, out.uploadLimit(thread), t(locale, 'engine.alt_current'));
  await out.send(thread, say(locale, dir === 'undo' ? 'engine.undo_done' : 'engine.redo_done', {}, 'result', { images: [image], buttons: [threadButtons(token, locale)] }));
}

/** Makes a job's result the base of the next edit. */
export async function continueFrom(ctx: EngineContext, scope: { thread: ThreadRef; owner: string; sessionId: string }, revision: string, locale: Locale, out: Outbox): Promise<void> {
  await ctx.records.updateSession(scope.thread, (s) => advanceTo(s, revision, ctx.config.maxRevisions));
  const token = await ctx.records.newScope({ kind: 'thread', ...scope });
  await out.send(scope.thread, say(locale, 'engine.continue_done', {}, 'info', { buttons: [threadButtons(token, locale)] }));
}
