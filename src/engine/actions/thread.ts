import { moveHistory } from '../flows/history.js';
import { inAcknowledged } from '../flows/answer.js';
import { say } from '../present/replies.js';
import type { ActionCall, ActionSpec } from './types.js';

/**
 * Undo and redo show the photo in the message their button is on when that is a result (it becomes
 * the thread's current photo); on an open proposal they answer in a new message, so the proposal
 * stays usable.
 */
function inPlace(call: ActionCall): ActionCall {
  if (call.scope.kind !== 'proposal') call.out.message = call.action.message;
  return call;
}

/** Verbs that act on the thread, whichever message their button is on. */
export const threadActions = {
  undo: {
    scopes: ['proposal', 'job', 'thread'],
    claims: true,
    handle: (call: ActionCall) => moveHistory(call.ctx, call.photos, call.scope.thread, 'undo', call.locale, inPlace(call).out, call.action.user),
  },
  redo: {
    scopes: ['proposal', 'job', 'thread'],
    claims: true,
    handle: (call: ActionCall) => moveHistory(call.ctx, call.photos, call.scope.thread, 'redo', call.locale, inPlace(call).out, call.action.user),
  },
  sug: {
    scopes: ['proposal', 'job', 'thread'],
    claims: true,
    // Suggestions are a new request: their own message, acknowledgement first.
    async handle(call: ActionCall) {
      await call.out.post(call.scope.thread, say(call.locale, 'engine.ack_suggest', {}, 'ack'));
      await inAcknowledged(call.ctx, call.out, call.scope.thread, call.locale, () => call.proposals.suggest(call.session, call.locale, call.out, { ignored: [], overlay: false }));
    },
  },
} satisfies Record<string, ActionSpec>;
