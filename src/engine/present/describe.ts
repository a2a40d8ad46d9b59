import { hasMessage, t, type Locale } from '../../i18n/index.js';
import type { Command } from '../deps.js';

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
