import { t, type Locale } from '../../i18n/index.js';
import { actionId, shownId, type Verb } from '../actions/verbs.js';
import type { Command } from '../deps.js';
import type { Button, SelectMenu } from '../types.js';
import { describeCommand, plainNames, type LabelNames } from './describe.js';

function button(token: string, verb: Verb, label: string, style: Button['style'], index?: number): Button {
  return { id: actionId(token, verb, index), label, style };
}

/** Rows of at most five buttons (Discord's limit; five rows at most are ever built). */
export function rows(buttons: Button[], perRow = 5): Button[][] {
  const out: Button[][] = [];
  for (let i = 0; i < buttons.length; i += perRow) out.push(buttons.slice(i, i + perRow));
  return out;
}

export const buttons = {
  suggest: (token: string, locale: Locale, style: Button['style'] = 'secondary') => button(token, 'sug', t(locale, 'engine.btn_suggest'), style),
  undo: (token: string, locale: Locale) => button(token, 'undo', t(locale, 'engine.btn_undo'), 'secondary'),
  redo: (token: string, locale: Locale) => button(token, 'redo', t(locale, 'engine.btn_redo'), 'secondary'),
  stopJob: (jobId: string, locale: Locale) => button(jobId, 'stop', t(locale, 'engine.btn_cancel'), 'danger'),
  retry: (jobId: string, locale: Locale, style: Button['style'] = 'secondary') => button(jobId, 'retry', t(locale, 'engine.btn_retry'), style),
  continueFrom: (jobId: string, locale: Locale) => button(jobId, 'cont', t(locale, 'engine.btn_continue'), 'primary'),
  retrieve: (jobId: string, locale: Locale) => button(jobId, 'get', t(locale, 'engine.btn_retrieve'), 'secondary'),
  /** The targeted retry of one command whose result check failed (its index in the job). */
  fix: (jobId: string, locale: Locale, command: Command, index: number, names: LabelNames = plainNames) =>
    button(jobId, 'fix', t(locale, 'check.btn_retry', { edit: describeCommand(command, locale, 40, names) }), 'secondary', index),
  /** What a click chose, kept (disabled) on the message that now carries its job. */
  chosen: (jobId: string, label: string): Button => ({ id: shownId(jobId), label: `✓ ${label}`, style: 'success', disabled: true }),
};

/** Undo, redo and suggestions: what a thread offers after an edit (Undo and Redo only where there is a step to take). */
export function threadButtons(token: string, locale: Locale, o: { canUndo?: boolean; canRedo?: boolean } = {}): Button[] {
  return [...(o.canUndo === false ? [] : [buttons.undo(token, locale)]), ...(o.canRedo === false ? [] : [buttons.redo(token, locale)]), buttons.suggest(token, locale)];
}

/**
 * The label of the button that runs a failed job again: "Retry with new seed" only where a seed
 * changes anything (generative jobs); a local edit is simply tried again.
 */
export function retryLabel(locale: Locale, generative: boolean): string {
  return t(locale, generative ? 'engine.btn_retry' : 'engine.btn_try_again');
}

/**
 * The buttons under an edited photo; after "Continue from this" that button stays, disabled, as
 * what was chosen. "Retry with new seed" only for generative jobs: a local edit would give the same bytes.
 */
export function resultButtons(jobId: string, locale: Locale, o: { continued?: boolean; generative?: boolean } = {}): Button[] {
  const cont = o.continued ? buttons.chosen(jobId, t(locale, 'engine.btn_continue')) : buttons.continueFrom(jobId, locale);
  return [buttons.undo(jobId, locale), cont, ...(o.generative ? [buttons.retry(jobId, locale)] : []), buttons.suggest(jobId, locale)];
}

/** One "Retry stronger" button per failed check that has a stronger retry (at most five, one row). */
export function fixButtons(jobId: string, locale: Locale, checks: readonly { index: number; command: Command; retry: boolean }[] | undefined, names: LabelNames = plainNames): Button[] {
  return (checks ?? []).filter((c) => c.retry).slice(0, 5).map((c) => buttons.fix(jobId, locale, c.command, c.index, names));
}

/** The label of a proposal's control, as its button shows it (kept, disabled, on the job's message). */
export function proposalLabel(locale: Locale, verb: 'run' | 'all' | 'sel', command?: Command, names: LabelNames = plainNames): string {
  if (verb === 'run' && command) return describeCommand(command, locale, undefined, names);
  return t(locale, verb === 'sel' ? 'engine.btn_run_selected' : 'engine.btn_run_all');
}

/**
 * One button per command, "run all / run selected" with a multi-select when there are several, and
 * the thread controls. One primary action per message (Slack's guidance, and clearer everywhere):
 * the command itself when there is one, "Run all" when there are several.
 */
export function proposalControls(
  token: string,
  locale: Locale,
  commands: Command[],
  maxCommandButtons: number,
  o: { canUndo?: boolean; names?: LabelNames } = {},
): { buttons: Button[][]; select?: SelectMenu } {
  const names = o.names ?? plainNames;
  const single = commands.length === 1;
  const commandButtons = commands.slice(0, maxCommandButtons).map((cmd, i) => button(token, 'run', describeCommand(cmd, locale, undefined, names), single ? 'primary' : 'secondary', i));
  const controls: Button[] = [];
  if (commands.length > 1) {
    controls.push(button(token, 'all', t(locale, 'engine.btn_run_all'), 'primary'));
    controls.push(button(token, 'sel', t(locale, 'engine.btn_run_selected'), 'secondary'));
  }
  // Undo only once the thread has an edit to take back.
  controls.push(buttons.suggest(token, locale), ...(o.canUndo ? [buttons.undo(token, locale)] : []), button(token, 'drop', t(locale, 'engine.btn_cancel'), 'danger'));
  const select: SelectMenu | undefined =
    commands.length > 1
      ? {
          id: actionId(token, 'pick'),
          placeholder: t(locale, 'engine.select_placeholder'),
          minValues: 1,
          maxValues: Math.min(commands.length, 25),
          options: commands.slice(0, 25).map((cmd, i) => ({ value: String(i), label: describeCommand(cmd, locale, undefined, names) })),
        }
      : undefined;
  return { buttons: [...rows(commandButtons), controls], select };
}
