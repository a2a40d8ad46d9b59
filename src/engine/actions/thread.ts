import { moveHistory } from '../flows/history.js';
import { say } from '../present/replies.js';
import type { ActionCall, ActionSpec } from './types.js';

/** Verbs that act on the thread, whichever message their button is on. */
export const threadActions = {
  undo: {
    scopes: ['proposal', 'job', 'thread'],
    claims: true,
    handle: (call: ActionCall) => moveHistory(call.ctx, call.photos, call.scope.thread, 'undo', call.locale, call.out),
  },
  redo: {
    scopes: ['proposal', 'job', 'thread'],
    claims: true,
    handle: (call: ActionCall) => moveHistory(call.ctx, call.photos, call.scope.thread, 'redo', call.locale, call.out),
  },
  sug: {
    scopes: ['proposal', 'job', 'thread'],
    claims: true,
    async handle(call: ActionCall) {
      await call.out.send(call.scope.thread, say(call.locale, 'engine.ack_suggest', {}, 'ack'));
      await call.proposals.suggest(call.session, call.locale, call.out, { ignored: [], overlay: false });
    },
  },
} satisfies Record<string, ActionSpec>;
