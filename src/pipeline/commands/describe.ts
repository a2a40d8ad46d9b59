import type { CommandRule, CommandsConfig, ParamRule } from '../../config/schemas/commands.js';
import { t, type Locale } from '../../i18n/index.js';
import type { Command, WireCommand } from '../../core/commands.js';

/** Positional wire form; trailing optional parameters still at their default are left out. */
export function toWire(command: Command, rule: CommandRule | undefined): WireCommand {
  if (!rule) return { command: command.command, paras: Object.values(command.args) };
  const paras = rule.paras.map((p) => command.args[p.name]);
  for (let i = rule.paras.length - 1; i >= 0; i--) {
    const p = rule.paras[i]!;
    const v = paras[i];
    const isDefault = v === undefined || ('default' in p && p.default !== undefined && p.default === v);
    if (!p.optional || !isDefault) break;
    paras.pop();
  }
  return { command: command.command, paras: paras.map((v) => (v === undefined ? null : v)) };
}

function describeParam(p: ParamRule, locale: Locale): string {
  const bits: string[] = [];
  switch (p.type) {
    case 'labels':
      bits.push(t(locale, p.allowAll ? 'commands.type_labels_all' : 'commands.type_labels'));
      break;
    case 'string':
      bits.push(t(locale, 'commands.type_string'), t(locale, 'commands.max_length', { max: p.maxLength }));
      break;
    case 'number':
      bits.push(t(locale, p.integer ? 'commands.type_integer' : 'commands.type_number'));
      if (p.min !== undefined && p.max !== undefined) bits.push(t(locale, 'commands.range', { min: p.min, max: p.max }));
      break;
    case 'enum':
      bits.push(t(locale, 'commands.type_enum', { values: p.values.join(', ') }));
      break;
    case 'color':
      bits.push(t(locale, 'commands.type_color'));
      break;
    case 'boolean':
      bits.push(t(locale, 'commands.type_boolean'));
      break;
  }
  if (p.optional) bits.push(t(locale, 'commands.optional', { default: JSON.stringify('default' in p ? (p.default ?? null) : null) }));
  return `${p.name}: ${bits.join(', ')}`;
}

/** The command list for a system prompt: one line per command with parameter shapes and an example. */
export function describeForPrompt(cfg: CommandsConfig, locale: Locale): string {
  const lines = [t(locale, 'commands.prompt_intro')];
  for (const [name, rule] of Object.entries(cfg.commands)) {
    const params = rule.paras.map((p) => describeParam(p, locale)).join('; ');
    let line = `- ${name}(${params}): ${rule.description[locale]}`;
    if (rule.example) line += ` ${t(locale, 'commands.prompt_example')}: ${rule.example}`;
    lines.push(line);
  }
  lines.push(t(locale, 'commands.prompt_labels'));
  return lines.join('\n');
}
