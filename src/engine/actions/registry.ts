import { resolveLocale, type Locale, type MessageKey } from '../../i18n/index.js';
import type { EngineContext, Outbox } from '../context.js';
import { markRejected } from '../envelope.js';
import type { Photos } from '../flows/photos.js';
import type { Proposals } from '../flows/propose.js';
import type { JobRunner } from '../jobs/run.js';
import type { JobStarter } from '../jobs/start.js';
import { say } from '../present/replies.js';
import { keys } from '../state/keys.js';
import type { ActionScope, ThreadSession } from '../state/session.js';
import type { ActionEvent } from '../types.js';
import { jobActions } from './job.js';
import { proposalActions } from './proposal.js';
import { threadActions } from './thread.js';
import { parseActionId, type ParsedAction, type Verb } from './verbs.js';

/** The parts of the engine an action may use. */
export interface ActionServices {
  ctx: EngineContext;
  photos: Photos;
  proposals: Proposals;
  starter: JobStarter;
  runner: JobRunner;
}

/** Everything a handler knows about one click. */
export interface ActionCall<S extends ActionScope = ActionScope> extends ActionServices {
  action: ActionEvent;
  parsed: ParsedAction;
  scope: S;
  session: ThreadSession;
  locale: Locale;
  out: Outbox;
  /** Tells only the clicking user why nothing happened. */
  refuse(key: MessageKey, params?: Record<string, string | number>): Promise<void>;
}

/**
 * How one verb is handled: the scopes its buttons live on, whether a click claims the button (a
 * double click or two people racing then run it once), and the handler. A handler returns false
 * when it did nothing, so the claim is given back and pressing again works.
 */
export interface ActionSpec<K extends ActionScope['kind'] = ActionScope['kind']> {
  scopes: readonly K[];
  claims: boolean;
  handle(call: ActionCall<Extract<ActionScope, { kind: K }>>): Promise<boolean | void>;
}

export type ActionTable = { [V in Verb]: ActionSpec };

export const ACTIONS: ActionTable = { ...proposalActions, ...jobActions, ...threadActions };

/** A button click or select choice: checks who may press it and whether it is still valid, then runs its verb. */
export async function onAction(services: ActionServices, action: ActionEvent, out: Outbox): Promise<void> {
  const { ctx } = services;
  const { records, config } = ctx;
  const parsed = parseActionId(action.actionId);
  const scope = parsed ? await records.scope(parsed.token) : undefined;
  const [session, settings] = await Promise.all([records.session(scope?.thread ?? action.thread), records.settings(action.thread, action.user.id)]);
  const fallback = session?.locale ?? config.defaultLocale;
  const locale = settings.locale ?? (action.locale ? resolveLocale(action.locale, fallback) : fallback);
  const refuse = async (key: MessageKey, params: Record<string, string | number> = {}) => {
    markRejected();
    await out.ephemeral(action.thread, action.user, say(locale, key, params, 'error'));
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
