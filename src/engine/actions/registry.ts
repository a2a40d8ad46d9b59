import { resolveLocale, type MessageKey } from '../../i18n/index.js';
import type { Outbox } from '../context.js';
import { markRejected } from '../envelope.js';
import { say } from '../present/replies.js';
import { keys } from '../state/keys.js';
import type { ActionEvent } from '../types.js';
import { jobActions } from './job.js';
import { proposalActions } from './proposal.js';
import { threadActions } from './thread.js';
import type { ActionCall, ActionServices, ActionTable } from './types.js';
import { parseActionId } from './verbs.js';

export type { ActionServices } from './types.js';

export const ACTIONS: ActionTable = { ...proposalActions, ...jobActions, ...threadActions };

/** A button click or select choice: checks who may press it and whether it is still valid, then runs its verb. */
export async function onAction(services: ActionServices, action: ActionEvent, out: Outbox): Promise<void> {
  const { ctx } = services;
  const { records, config } = ctx;
  const parsed = parseActionId(action.actionId);
  const scope = parsed ? await records.scope(parsed.token) : undefined;
  const [session, settings] = await Promise.all([records.session(scope?.thread ?? action.thread), records.settings(action.thread, action.user.id)]);
  const fallback = session?.locale ?? config.defaultLocale;
  // A refusal is for the one who clicked, in their client's language; what the click does continues
  // the conversation in its language (the owner's words set it).
  const viewer = settings.locale ?? (action.locale ? resolveLocale(action.locale, fallback) : fallback);
  const locale = settings.locale ?? session?.locale ?? viewer;
  const refuse = async (key: MessageKey, params: Record<string, string | number> = {}) => {
    markRejected();
    await out.ephemeral(action.thread, action.user, say(viewer, key, params, 'error'));
  };

  if (!parsed || !scope) return refuse('engine.expired');
  if (config.actionPolicy === 'owner' && action.user.id !== scope.owner) return refuse('engine.not_owner', { owner: session?.ownerName ?? scope.owner });
  if (!session || session.id !== scope.sessionId) return refuse('engine.stale');
  const spec = ACTIONS[parsed.verb];
  if (!(spec.scopes as readonly string[]).includes(scope.kind)) return refuse('engine.expired');

  const claim = keys.click(parsed.token, `${parsed.verb}${parsed.index ?? ''}`);
  if (spec.claims && !(await records.claim(claim))) return refuse('engine.already_done');
  const call = { ...services, action, parsed, scope, session, locale, out, refuse } as ActionCall<never>;
  let did: boolean | void = false;
  try {
    did = await spec.handle(call);
  } finally {
    if (spec.claims && did === false) await records.release(claim);
  }
}
