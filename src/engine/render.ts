import { hasMessage, t, type Locale } from '../i18n/index.js';
import type { Command } from './deps.js';
import type { Button, SelectMenu } from './types.js';

/** Platforms cut labels at 75–80 characters; stay under with room for an ellipsis. */
const MAX_LABEL = 70;

export function truncate(text: string, max = MAX_LABEL): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function commandName(name: string, locale: Locale): string {
  const key = `engine.cmd.${name}`;
  if (hasMessage(key)) return t(locale, key);
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function labelList(labels: unknown, locale: Locale): string | undefined {
  if (!Array.isArray(labels) || labels.length === 0) return undefined;
  if (labels.includes('*')) return t(locale, 'engine.whole_photo');
  return labels.map((l) => String(l).toLowerCase()).join(locale === 'zh-CN' ? '、' : ', ');
}

/** "Change background → sunny beach", "Adjust whole photo → brightness +20". */
export function describeCommand(cmd: Command, locale: Locale, max = MAX_LABEL): string {
  const parts: string[] = [commandName(cmd.command, locale)];
  const labels = labelList(cmd.args.labels, locale);
  if (labels) parts.push(labels);
  const values: string[] = [];
  for (const [key, value] of Object.entries(cmd.args)) {
    if (key === 'labels') continue;
    if (typeof value === 'string' && value.trim()) values.push(value.trim());
    else if (typeof value === 'number' && value !== 0) values.push(`${key} ${value > 0 ? '+' : ''}${value}`);
    else if (typeof value === 'boolean' && value) values.push(key);
  }
  const head = parts.join(' ');
  return truncate(values.length ? `${head} → ${values.join(', ')}` : head, max);
}

export function describeCommands(cmds: Command[], locale: Locale): string {
  return truncate(cmds.map((c) => describeCommand(c, locale, 40)).join('; '), 300);
}

/** Button ids: `ce1.<token>.<verb>` — the token is the unguessable key of the server-side scope. */
export function actionId(token: string, verb: string): string {
  return `ce1.${token}.${verb}`;
}

export function parseActionId(id: string): { token: string; verb: string } | undefined {
  const m = /^ce1\.([A-Za-z0-9_-]{16,43})\.([a-z]{1,6}\d{0,3})$/.exec(id);
  return m ? { token: m[1]!, verb: m[2]! } : undefined;
}

/** Rows of at most five buttons; `maxRows` keeps within Discord's five action rows. */
export function rows(buttons: Button[], perRow = 5): Button[][] {
  const out: Button[][] = [];
  for (let i = 0; i < buttons.length; i += perRow) out.push(buttons.slice(i, i + perRow));
  return out;
}

export function proposalControls(token: string, locale: Locale, opts: { runnable: Command[]; all: Command[]; maxCommandButtons: number }): { buttons: Button[][]; select?: SelectMenu } {
  const commandButtons: Button[] = [];
  opts.all.forEach((cmd, i) => {
    if (!opts.runnable.includes(cmd) || commandButtons.length >= opts.maxCommandButtons) return;
    commandButtons.push({ id: actionId(token, `c${i}`), label: describeCommand(cmd, locale), style: 'primary' });
  });
  const controls: Button[] = [];
  if (opts.runnable.length > 1) controls.push({ id: actionId(token, 'all'), label: t(locale, 'engine.btn_run_all'), style: 'success' });
  if (opts.runnable.length > 1) controls.push({ id: actionId(token, 'sel'), label: t(locale, 'engine.btn_run_selected'), style: 'secondary' });
  controls.push({ id: actionId(token, 'sug'), label: t(locale, 'engine.btn_suggest'), style: 'secondary' });
  controls.push({ id: actionId(token, 'undo'), label: t(locale, 'engine.btn_undo'), style: 'secondary' });
  controls.push({ id: actionId(token, 'x'), label: t(locale, 'engine.btn_cancel'), style: 'danger' });
  const select: SelectMenu | undefined =
    opts.runnable.length > 1
      ? {
          id: actionId(token, 'pick'),
          placeholder: t(locale, 'engine.select_placeholder'),
          minValues: 1,
          maxValues: Math.min(opts.runnable.length, 25),
          options: opts.all
            .map((cmd, i) => ({ cmd, i }))
            .filter(({ cmd }) => opts.runnable.includes(cmd))
            .slice(0, 25)
            .map(({ cmd, i }) => ({ value: String(i), label: describeCommand(cmd, locale) })),
        }
      : undefined;
  return { buttons: [...rows(commandButtons), controls], select };
}
