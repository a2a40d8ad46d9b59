import type { EngineContext, Outbox } from '../context.js';
import { markRejected } from '../envelope.js';
import { say } from '../present/replies.js';
import { newId, type Revision, type ThreadSession, type ThreadSettings } from '../state/session.js';
import type { IncomingMessage } from '../types.js';
import { inAcknowledged } from './answer.js';
import type { Photos } from './photos.js';
import type { Proposals } from './propose.js';

/** A thread's records as they were when an event arrived. */
export interface ThreadState {
  session: ThreadSession | undefined;
  settings: ThreadSettings;
}

/**
 * A message in a thread: a new photo starts a session (and is planned or suggested for); words
 * without a photo continue the thread's session, from its owner.
 */
export async function onMessage(ctx: EngineContext, flows: { photos: Photos; proposals: Proposals }, msg: IncomingMessage, out: Outbox, state: ThreadState): Promise<void> {
  const { records, config } = ctx;
  const { session, settings } = state;
  const text = msg.text.trim();
  const locale = records.locale(msg.locale, text, session, settings);
  const photos = msg.images.filter((i) => !i.mimeType || i.mimeType.startsWith('image/'));
  const ignored = [...(msg.otherFiles ?? []), ...msg.images.filter((i) => !photos.includes(i)).map((i) => i.name ?? i.id)];

  if (photos.length === 0) {
    if (ignored.length > 0 && !(text && session)) {
      await out.post(msg.thread, say(locale, 'engine.not_image_files', { files: ignored.join(', ') }, 'error'));
      return;
    }
    if (!session || (!text && !msg.points?.length)) {
      await out.post(msg.thread, say(locale, text ? 'engine.no_photo' : 'engine.help'));
      return;
    }
    if (config.actionPolicy === 'owner' && session.owner !== msg.user.id) {
      // Someone else talking in the thread does not steer the owner's edit.
      markRejected();
      await out.ephemeral(msg.thread, msg.user, say(locale, 'engine.not_owner', { owner: session.ownerName ?? session.owner }, 'error'));
      return;
    }
    if (!text) {
      await flows.proposals.askAboutPoints(session, msg.points!, locale, out);
      return;
    }
    // One message per request: the acknowledgement becomes the proposal (or the error).
    await out.post(msg.thread, say(locale, 'engine.ack_text', {}, 'ack'));
    await inAcknowledged(ctx, out, msg.thread, locale, () => flows.proposals.plan(session, text, locale, out, { ignored, overlay: false, points: msg.points, user: msg.user }));
    return;
  }

  await out.post(msg.thread, say(locale, text ? 'engine.ack_photo' : 'engine.ack_suggest', {}, 'ack'));
  await inAcknowledged(ctx, out, msg.thread, locale, () => startSession(ctx, flows, msg, out, { photos, ignored, text, locale }));
}

async function startSession(
  ctx: EngineContext,
  flows: { photos: Photos; proposals: Proposals },
  msg: IncomingMessage,
  out: Outbox,
  o: { photos: IncomingMessage['images']; ignored: string[]; text: string; locale: ThreadSession['locale'] },
): Promise<void> {
  const { records } = ctx;
  const { photos, ignored, text, locale } = o;
  const [photo, faceSource] = await Promise.all(photos.slice(0, 2).map((p) => flows.photos.intake(p, out.adapter)));
  const original: Revision = { id: newId(6), blob: photo!.blob, width: photo!.width, height: photo!.height, createdAt: Date.now() };
  const fresh: ThreadSession = {
    id: newId(9),
    thread: msg.thread,
    owner: msg.user.id,
    ownerName: msg.user.name,
    locale,
    revisions: { [original.id]: original },
    current: original.id,
    undo: [],
    redo: [],
    history: [],
    faceSource: faceSource?.blob,
    // Both photos come from this message: the face swap policy ("own photos") asks who posted them.
    photoBy: msg.user.id,
    ...(faceSource ? { faceSourceBy: msg.user.id } : {}),
    createdAt: Date.now(),
    updatedAt: Date.now(),
  };
  await records.saveSession(fresh);
  if (text) await flows.proposals.plan(fresh, text, locale, out, { ignored, overlay: true, user: msg.user });
  else await flows.proposals.suggest(fresh, locale, out, { ignored, overlay: true });
}
