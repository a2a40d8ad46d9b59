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

/** A part's name in the reply's language ("Upper-clothes" → "top" / "上衣"); the catalogue knows them. */
export type LabelNames = (label: string) => string;

/** Without a catalogue: the canonical name, lower case. */
export const plainNames: LabelNames = (label) => label.toLowerCase();

function labelList(labels: unknown, locale: Locale, names: LabelNames): string | undefined {
  if (!Array.isArray(labels) || labels.length === 0) return undefined;
  if (labels.includes('*')) return t(locale, 'engine.whole_photo');
  return labels.map((l) => names(String(l))).join(locale === 'zh-CN' ? '、' : ', ');
}

/** A parameter's or an enum value's word in the reply's language ("brightness" → "亮度"), else as it is. */
function word(kind: 'param' | 'value', raw: string, locale: Locale): string {
  const key = `engine.${kind}.${raw}`;
  return hasMessage(key) ? t(locale, key) : raw;
}

/** "Change background → sunny beach", "Adjust whole photo → brightness +20" / "调整 整张照片 → 亮度 +20". */
export function describeCommand(cmd: Command, locale: Locale, max = MAX_LABEL, names: LabelNames = plainNames): string {
  const parts: string[] = [commandName(cmd.command, locale)];
  const labels = labelList(cmd.args.labels, locale, names);
  if (labels) parts.push(labels);
  const values: string[] = [];
  for (const [key, value] of Object.entries(cmd.args)) {
    if (key === 'labels') continue;
    if (typeof value === 'string' && value.trim()) values.push(word('value', value.trim(), locale));
    else if (typeof value === 'number' && value !== 0) values.push(`${word('param', key, locale)} ${value > 0 ? '+' : ''}${value}`);
    else if (typeof value === 'boolean' && value) values.push(word('param', key, locale));
  }
  const head = parts.join(' ');
  return truncate(values.length ? `${head} → ${values.join(locale === 'zh-CN' ? '，' : ', ')}` : head, max);
}

export function describeCommands(cmds: Command[], locale: Locale, names: LabelNames = plainNames): string {
  return truncate(cmds.map((c) => describeCommand(c, locale, 40, names)).join(locale === 'zh-CN' ? '；' : '; '), 300);
}
