import { t, type Locale } from '../../i18n/index.js';
import { actionId, type Verb } from '../actions/verbs.js';
import type { Command } from '../deps.js';
import type { Button, SelectMenu } from '../types.js';
import { describeCommand } from './describe.js';

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
};

/** Undo, redo and suggestions: what a thread offers after an edit. */
export function threadButtons(token: string, locale: Locale): Button[] {
  return [buttons.undo(token, locale), buttons.redo(token, locale), buttons.suggest(token, locale)];
}

/** The buttons under an edited photo. */
export function resultButtons(jobId: string, locale: Locale): Button[] {
  return [buttons.undo(jobId, locale), buttons.continueFrom(jobId, locale), buttons.retry(jobId, locale), buttons.suggest(jobId, locale)];
}

/** One button per command, "run all / run selected" with a multi-select when there are several, and the thread controls. */
export function proposalControls(token: string, locale: Locale, commands: Command[], maxCommandButtons: number): { buttons: Button[][]; select?: SelectMenu } {
  const commandButtons = commands.slice(0, maxCommandButtons).map((cmd, i) => button(token, 'run', describeCommand(cmd, locale), 'primary', i));
  const controls: Button[] = [];
  if (commands.length > 1) {
    controls.push(button(token, 'all', t(locale, 'engine.btn_run_all'), 'success'));
    controls.push(button(token, 'sel', t(locale, 'engine.btn_run_selected'), 'secondary'));
  }
  controls.push(buttons.suggest(token, locale), buttons.undo(token, locale), button(token, 'drop', t(locale, 'engine.btn_cancel'), 'danger'));
  const select: SelectMenu | undefined =
    commands.length > 1
      ? {
          id: actionId(token, 'pick'),
          placeholder: t(locale, 'engine.select_placeholder'),
          minValues: 1,
          maxValues: Math.min(commands.length, 25),
          options: commands.slice(0, 25).map((cmd, i) => ({ value: String(i), label: describeCommand(cmd, locale) })),
        }
      : undefined;
  return { buttons: [...rows(commandButtons), controls], select };
}
