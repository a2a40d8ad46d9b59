import type { Locale, MessageKey } from '../../i18n/index.js';
import type { EngineContext, Outbox } from '../context.js';
import type { Photos } from '../flows/photos.js';
import type { Proposals } from '../flows/propose.js';
import type { JobRunner } from '../jobs/run.js';
import type { JobStarter } from '../jobs/start.js';
import type { ActionScope, ThreadSession } from '../state/session.js';
import type { ActionEvent } from '../types.js';
import type { ParsedAction, Verb } from './verbs.js';

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

