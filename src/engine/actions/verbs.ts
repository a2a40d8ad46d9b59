/**
 * What a button or select means. The id a platform carries is `ce1.<token>.<verb><index>`: the
 * token is the unguessable key of the server-side scope (what the button acts on), the verb says
 * what to do with it.
 */
export const VERBS = [
  /** Run one command of a proposal (with its index). */
  'run',
  /** Run every command of a proposal. */
  'all',
  /** Run the commands chosen in the proposal's select. */
  'sel',
  /** The proposal's select changed (remembered, nothing runs). */
  'pick',
  /** Dismiss a proposal. */
  'drop',
  /** Stop a queued or running job. */
  'stop',
  /** Make the job's result the base of the next edit. */
  'cont',
  /** Run a job's commands again with a new seed. */
  'retry',
  /** Run one command of a job again, stronger, because its result check failed (with its index in the job). */
  'fix',
  /** Show a job's result again, when the platform could not deliver it in time. */
  'get',
  'undo',
  'redo',
  /** Ask for suggestions on the current photo. */
  'sug',
] as const;

export type Verb = (typeof VERBS)[number];

export interface ParsedAction {
  token: string;
  verb: Verb;
  /** The command index of `run` (in the proposal) and `fix` (in the job). */
  index?: number;
}

/** Verbs that carry a command index. */
const INDEXED: ReadonlySet<Verb> = new Set<Verb>(['run', 'fix']);

const PATTERN = /^ce1\.([A-Za-z0-9_-]{16,43})\.([a-z]{1,6})(\d{0,3})$/;

export function actionId(token: string, verb: Verb, index?: number): string {
  return `ce1.${token}.${verb}${index ?? ''}`;
}

/** The id of a disabled button that only shows what was chosen: no verb, so a click on it is refused as expired. */
export function shownId(token: string): string {
  return `ce1.${token}.shown`;
}

export function parseActionId(id: string): ParsedAction | undefined {
  const m = PATTERN.exec(id);
  if (!m || !(VERBS as readonly string[]).includes(m[2]!)) return undefined;
  const verb = m[2] as Verb;
  if (INDEXED.has(verb) !== (m[3] !== '')) return undefined;
  return { token: m[1]!, verb, ...(INDEXED.has(verb) ? { index: Number(m[3]) } : {}) };
}
