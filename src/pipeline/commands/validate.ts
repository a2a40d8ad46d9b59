import { z } from 'zod';
import type { CommandRule, CommandsConfig, ParamRule } from '../../config/schemas/commands.js';
import { t, type Locale, type MessageKey } from '../../i18n/index.js';
import { normalizeColor } from './colors.js';
import { readJsonText } from './extract.js';
import { WHOLE_IMAGE, type LabelMatcher } from './labels.js';
import { clip, describeValue, echo, rejection } from './reasons.js';
import type { Command, ParseResult, Rejection } from '../../core/commands.js';

type ScalarRule = Exclude<ParamRule, { type: 'labels' }>;
type Issue = { key: MessageKey; params: Record<string, string | number> };

/** Numbers may arrive as numeric strings ("20", "+20", "20%", full-width "２０"). */
function coerceNumber(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.normalize('NFKC').trim().replace(/%$/, '');
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i.test(s) ? Number(s) : v;
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', '是', '对', '开']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0', '否', '不', '关']);

function coerceBoolean(v: unknown): unknown {
  if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
  if (typeof v !== 'string') return v;
  const s = v.normalize('NFKC').trim().toLowerCase();
  return TRUE_WORDS.has(s) ? true : FALSE_WORDS.has(s) ? false : v;
}

/** zod schema for one scalar parameter rule; labels are matched separately (they depend on the photo). */
export function compileParam(rule: ScalarRule): z.ZodType {
  switch (rule.type) {
    case 'string':
      return z.string().trim().min(rule.minLength).max(rule.maxLength);
    case 'number': {
      let n = z.number();
      if (rule.integer) n = n.int();
      if (rule.min !== undefined) n = n.min(rule.min);
      if (rule.max !== undefined) n = n.max(rule.max);
      return z.preprocess(coerceNumber, n);
    }
    case 'enum': {
      const values = rule.values as [string, ...string[]];
      return z.preprocess(
        (v) => (typeof v === 'string' ? (values.find((x) => x.toLowerCase() === v.trim().toLowerCase()) ?? v) : v),
        z.enum(values),
      );
    }
    case 'color':
      return z.string().transform((v, ctx) => {
        const color = normalizeColor(v);
        if (color === undefined) {
          ctx.addIssue({ code: 'custom', message: 'colour', params: { color: true } });
          return z.NEVER;
        }
        return color;
      });
    case 'boolean':
      return z.preprocess(coerceBoolean, z.boolean());
  }
}

function typeWord(rule: ParamRule, locale: Locale): string {
  switch (rule.type) {
    case 'labels':
      return t(locale, rule.allowAll ? 'commands.type_labels_all' : 'commands.type_labels');
    case 'string':
      return t(locale, 'commands.type_string');
    case 'number':
      return t(locale, rule.integer ? 'commands.type_integer' : 'commands.type_number');
    case 'enum':
      return t(locale, 'commands.type_enum', { values: rule.values.join(', ') });
    case 'color':
      return t(locale, 'commands.type_color');
    case 'boolean':
      return t(locale, 'commands.type_boolean');
  }
}

/** Turns the first zod issue into a reason a repair prompt can quote. */
function issueFor(command: string, rule: ScalarRule, raw: unknown, error: z.ZodError, locale: Locale): Issue {
  const issue = error.issues[0]!;
  const base = { command, param: rule.name };
  const value = describeValue(coerceNumber(raw));
  if (issue.code === 'custom') return { key: 'commands.bad_color', params: { ...base, value: clip(String(raw)) } };
  if (rule.type === 'number') {
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      return { key: 'commands.out_of_range', params: { ...base, value, min: rule.min ?? '-∞', max: rule.max ?? '∞' } };
    }
    if (issue.code === 'invalid_type' && typeof coerceNumber(raw) === 'number') {
      return { key: 'commands.not_integer', params: { ...base, value } };
    }
  }
  if (rule.type === 'string' && typeof raw === 'string') {
    if (issue.code === 'too_small') return { key: 'commands.too_short', params: { ...base, min: rule.minLength } };
    if (issue.code === 'too_big') return { key: 'commands.too_long', params: { ...base, length: raw.trim().length, max: rule.maxLength } };
  }
  if (rule.type === 'enum' && typeof raw === 'string') {
    return { key: 'commands.bad_enum', params: { ...base, value: clip(raw), values: rule.values.join(', ') } };
  }
  return { key: 'commands.wrong_type', params: { ...base, expected: typeWord(rule, locale), got: describeValue(raw) } };
}

export interface ValidateContext {
  cfg: CommandsConfig;
  matcher: LabelMatcher;
  /** Labels the photo has (canonical spelling). */
  allowed: readonly string[];
  /** Whether `allowed` came from the photo (changes the wording of label reasons). */
  fromPhoto: boolean;
  locale: Locale;
  schemas: Map<string, z.ZodType[]>;
  commandFor(name: string): string | undefined;
}

const COMMAND_KEYS = ['command', 'cmd'];
const PARAS_KEYS = ['paras', 'params', 'parameters', 'args', 'arguments', 'para', 'param'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Looks a key up ignoring case and surrounding spaces; returns [found, value]. */
function lookup(obj: Record<string, unknown>, names: readonly string[]): [boolean, unknown] {
  for (const key of Object.keys(obj)) {
    if (names.includes(key.trim().toLowerCase())) return [true, obj[key]];
  }
  return [false, undefined];
}

/** Decodes paras that arrive as a JSON string ("[[\"Background\"], \"sky\"]"). */
function decodeParas(s: string): unknown {
  const trimmed = s.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('［')) return s;
  return readJsonText(trimmed) ?? s;
}

export function validateItems(items: readonly unknown[], ctx: ValidateContext): ParseResult {
  const out: ParseResult = { commands: [], rejected: [] };
  for (const item of items) validateItem(item, ctx, out);
  return out;
}

function validateItem(item: unknown, ctx: ValidateContext, out: ParseResult): void {
  const { locale } = ctx;
  const reject = (key: MessageKey, params: Record<string, string | number> = {}) => out.rejected.push(rejection(item, locale, key, params));
  if (!isRecord(item)) return void reject('commands.not_object', { got: describeValue(item) });

  let [hasName, rawName] = lookup(item, COMMAND_KEYS);
  let [hasParas, paras] = lookup(item, PARAS_KEYS);
  if (!hasName) {
    // {"change": [["Background"], "sky"]}: the only key is a command name.
    const keys = Object.keys(item);
    if (keys.length === 1 && ctx.commandFor(keys[0]!) !== undefined) {
      hasName = true;
      rawName = keys[0];
      hasParas = true;
      paras = item[keys[0]!];
    } else return void reject('commands.no_command');
  }
  if (typeof rawName !== 'string') return void reject('commands.no_command');
  const name = ctx.commandFor(rawName);
  if (name === undefined) {
    return void reject('commands.unknown_command', { name: clip(rawName), known: Object.keys(ctx.cfg.commands).join(', ') });
  }
  const rule = ctx.cfg.commands[name]!;

  if (!hasParas) {
    // Object form ({"command": "change", "labels": [...], "prompt": "..."}), used with structured output.
    const named = rule.paras.map((p) => lookup(item, [p.name.toLowerCase()]));
    paras = named.some(([found]) => found) ? named.map(([, v]) => v) : [];
    while (Array.isArray(paras) && paras.length > 0 && paras[paras.length - 1] === undefined) paras.pop();
  }
  if (typeof paras === 'string') paras = decodeParas(paras);
  if (paras === null || paras === undefined) paras = [];
  if (!Array.isArray(paras)) {
    if (rule.paras.length === 1) paras = [paras];
    else return void reject('commands.paras_not_list', { command: name, got: describeValue(paras) });
  }
  const list = paras as unknown[];
  if (list.length > rule.paras.length) {
    return void reject('commands.too_many_paras', {
      command: name,
      max: rule.paras.length,
      names: rule.paras.map((p) => p.name).join(', ') || '-',
      count: list.length,
    });
  }

  const args: Record<string, unknown> = {};
  const labelRejections: Rejection[] = [];
  const schemas = ctx.schemas.get(name)!;
  for (let i = 0; i < rule.paras.length; i++) {
    const p = rule.paras[i]!;
    const raw = list[i];
    if (raw === undefined || raw === null) {
      if (!p.optional) {
        return void reject('commands.missing_param', { command: name, index: i + 1, param: p.name, expected: typeWord(p, locale) });
      }
      if ('default' in p && p.default !== undefined) args[p.name] = p.default;
      continue;
    }
    if (p.type === 'labels') {
      const res = matchLabels(name, p, raw, ctx);
      if ('issue' in res) return void reject(res.issue.key, res.issue.params);
      args[p.name] = res.labels;
      for (const r of res.dropped) labelRejections.push({ ...r, item: echo({ command: name, label: r.item }) });
      continue;
    }
    const parsed = schemas[i]!.safeParse(raw);
    if (!parsed.success) {
      const issue = issueFor(name, p, raw, parsed.error, locale);
      return void reject(issue.key, issue.params);
    }
    args[p.name] = parsed.data;
  }
  out.commands.push({ command: name, args });
  out.rejected.push(...labelRejections);
}

type LabelsResult = { labels: string[]; dropped: Rejection[] } | { issue: Issue };

function matchLabels(command: string, rule: Extract<ParamRule, { type: 'labels' }>, raw: unknown, ctx: ValidateContext): LabelsResult {
  const { locale, allowed, matcher } = ctx;
  let words: unknown[];
  // A list written as text ("['Background', 'Hair']") is read as the list it spells.
  if (typeof raw === 'string') raw = decodeParas(raw);
  if (Array.isArray(raw)) words = raw;
  else if (typeof raw === 'string') words = raw.split(/[,，、;；]/).filter((w) => w.trim() !== '');
  else return { issue: { key: 'commands.wrong_type', params: { command, param: rule.name, expected: typeWord(rule, locale), got: describeValue(raw) } } };

  const available = allowed.join(', ');
  const labelKey: MessageKey = ctx.fromPhoto ? 'commands.label_not_present' : 'commands.label_unknown';
  const labels: string[] = [];
  const dropped: Rejection[] = [];
  let whole = false;
  for (const word of words) {
    if (typeof word !== 'string' || word.trim() === '') {
      dropped.push(rejection(word, locale, labelKey, { label: describeValue(word), available }));
      continue;
    }
    const m = matcher.resolveAmong(word, allowed);
    if (m.kind === 'whole') {
      if (rule.allowAll) whole = true;
      else dropped.push(rejection(word, locale, 'commands.whole_image_not_allowed', { command }));
      continue;
    }
    if (m.kind === 'unknown' || m.labels.length === 0) {
      dropped.push(rejection(word, locale, labelKey, { label: clip(word.trim()), available }));
      continue;
    }
    for (const l of m.labels) if (!labels.includes(l)) labels.push(l);
  }
  if (whole) return { labels: [WHOLE_IMAGE], dropped };
  if (labels.length === 0) {
    if (dropped.length === 0) return { issue: { key: 'commands.too_few_labels', params: { command, min: Math.max(1, rule.minItems) } } };
    // Quote the reasons of the labels that failed: they are what a repair must fix.
    const first = dropped[0]!;
    return { issue: { key: first.key!, params: first.params! } };
  }
  if (labels.length < rule.minItems) return { issue: { key: 'commands.too_few_labels', params: { command, min: rule.minItems } } };
  if (labels.length > rule.maxItems) return { issue: { key: 'commands.too_many_labels', params: { command, max: rule.maxItems, count: labels.length } } };
  return { labels, dropped };
}

/** Compiled zod schemas per command (labels entries are placeholders: matched by matchLabels). */
export function compileRules(cfg: CommandsConfig): Map<string, z.ZodType[]> {
  const out = new Map<string, z.ZodType[]>();
  for (const [name, rule] of Object.entries(cfg.commands) as [string, CommandRule][]) {
    out.set(
      name,
      rule.paras.map((p) => (p.type === 'labels' ? z.never() : compileParam(p))),
    );
  }
  return out;
}
