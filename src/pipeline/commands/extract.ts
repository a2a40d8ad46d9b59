import type { Locale } from '../../i18n/index.js';
import { JSONRepairError, jsonrepair } from 'jsonrepair';
import { rejection, rejection as render, snippet } from './reasons.js';
import { MAX_DEPTH, PLACEHOLDER, isOpen, nextRegion, readEncodedLiteral, structure, type Region, type Span } from './scan.js';
import type { Rejection } from '../../core/commands.js';

export interface ExtractResult {
  items: unknown[];
  rejected: Rejection[];
}

interface Collecting extends ExtractResult {
  /** Rejections not kept because MAX_REJECTIONS were already recorded. */
  overflow: number;
}

function pushRejected(out: Collecting, r: Rejection): void {
  if (out.rejected.length < MAX_REJECTIONS) out.rejected.push(r);
  else out.overflow++;
}

/** How many times a JSON string may hold JSON again (double encoding) before we stop decoding. */
const MAX_ENCODING_LEVELS = 2;
/** Nested lists of commands (`[[{…}]]`) are flattened this deep. */
const MAX_LIST_NESTING = 3;
/** Rejections beyond this are summarised in one, so garbage in does not mean megabytes out. */
const MAX_REJECTIONS = 50;

/**
 * Finds command candidates in a raw model reply: every top-level bracketed region found by
 * scan.ts is read element by element (JSON.parse, or jsonrepair for what models write besides
 * JSON) and its values collected. Prose, code fences and several arrays need no special case. A region that turns out to be prose (an unbalanced "[" before the real JSON) is
 * re-read from the character after its bracket, within a budget proportional to the input, so
 * the whole extraction stays linear in the length of the reply.
 */
export function extractItems(text: string, locale: Locale = 'en'): ExtractResult {
  const out: Collecting = { items: [], rejected: [], overflow: 0 };
  extractInto(text, 0, locale, out);
  if (out.overflow > 0) out.rejected.push(rejection('', locale, 'commands.more_rejected', { count: out.overflow }));
  if (out.items.length === 0 && out.rejected.length === 0) {
    out.rejected.push(
      text.trim() === ''
        ? rejection('', locale, 'commands.empty_reply')
        : rejection(snippet(text.trim()), locale, 'commands.no_json'),
    );
  }
  return { items: out.items, rejected: out.rejected };
}

function extractInto(text: string, level: number, locale: Locale, out: Collecting): void {
  const n = text.length;
  let budget = 3 * n + 1024;
  let literalFloor = 0;
  // Unreadable regions not yet reported: they nest, innermost last. One that turns out to contain
  // readable commands was prose around them and is dropped.
  const pending: { rejection: Rejection; end: number }[] = [];
  const succeeded = () => {
    pending.length = 0;
  };
  let i = 0;
  while (i < n) {
    while (pending.length > 0 && i >= pending[pending.length - 1]!.end) pushRejected(out, pending.pop()!.rejection);
    const c = text.charCodeAt(i);
    if (c === 0x22 && i >= literalFloor && level < MAX_ENCODING_LEVELS) {
      const literal = readEncodedLiteral(text, i, n);
      if (literal && 'decoded' in literal && isOpen(literal.decoded.trimStart().charCodeAt(0))) {
        const before = out.items.length;
        extractInto(literal.decoded, level + 1, locale, out);
        if (out.items.length > before) succeeded();
        i = literal.after;
        continue;
      }
      if (literal) literalFloor = literal.after;
      i++;
      continue;
    }
    if (!isOpen(c)) {
      i++;
      continue;
    }
    const region = nextRegion(text, i, n)!;
    budget -= region.end - region.start;
    if (region.tooDeep) {
      pushRejected(out, rejection(snippet(text, region.start, region.end), locale, 'commands.too_deep', { max: MAX_DEPTH }));
      i = region.end;
      continue;
    }
    const read = readRegion(text, region, locale, out.rejected.length >= MAX_REJECTIONS);
    if (read.ok && isBareData(read.values) && !looksLikeJson(text, region)) {
      // "[1]", "[true]": footnotes and prose, not something a model meant as commands.
      i = region.end;
      continue;
    }
    if (read.ok) {
      const before = out.items.length;
      for (const value of read.values) collect(value, level, 0, locale, out);
      for (const r of read.rejected) pushRejected(out, r);
      if (out.items.length > before) succeeded();
      i = region.end;
      continue;
    }
    if (read.meant) {
      // Broken JSON: report it; what is inside belongs to it (a paras list is not a command).
      pushRejected(out, read.rejected[0]);
      i = region.end;
      continue;
    }
    // Prose with a stray bracket: report it only if it looked like JSON, and look inside for the real thing.
    if (looksLikeJson(text, region)) pending.push({ rejection: read.rejected[0], end: region.end });
    i = budget > 0 ? region.start + 1 : region.end;
  }
  while (pending.length > 0) pushRejected(out, pending.pop()!.rejection);
}

/** `meant`: the region started like JSON (a quoted key and colon, or an element in brackets or quotes). */
type RegionRead = { ok: true; values: unknown[]; rejected: Rejection[] } | { ok: false; meant: boolean; rejected: [Rejection] };

/** Stands in for rejections that would only be counted (the list is full): the key, no rendered text. */
const uncounted: typeof render = (_item, _locale, key) => ({ item: '', reason: '', key });

/**
 * Guard that keeps jsonrepair linear: its repairs of missing, leading or trailing commas each copy
 * the output so far, so a span needing thousands of them is quadratic (160 KB of `[1 1 1 …]`
 * takes seconds). A command needs a handful; a span needing more is reported instead.
 */
const MAX_REPAIRS = 64;

type SpanRead = { value: unknown } | { detail: string; at: number };

/** Reads one span with JSON.parse, or with jsonrepair when it is not plain JSON. */
function readSpan(text: string, span: Span): SpanRead {
  if (span.stray) return { detail: span.stray.what, at: span.stray.at - span.start + 1 };
  if (span.plain) {
    try {
      return { value: clean(JSON.parse(text.slice(span.start, span.end)), []) };
    } catch {
      // Not quite JSON after all (inner quotes, a control character, an odd number): repaired below.
    }
  }
  if (span.repairs > MAX_REPAIRS) return { detail: `more than ${MAX_REPAIRS} places need repair`, at: 1 };
  let read: ReturnType<typeof structure> | undefined;
  try {
    read = structure(text, span);
    if (!span.mend) {
      try {
        return { value: clean(JSON.parse(read.source), read.strings) };
      } catch {
        // jsonrepair below
      }
    }
    return { value: clean(JSON.parse(jsonrepair(read.source)), read.strings) };
  } catch (err) {
    const at = err instanceof JSONRepairError && read ? read.at(err.position) - span.start + 1 : 1;
    return { detail: (err instanceof Error ? err.message : String(err)).replace(/ at position \d+$/, ''), at };
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Copies parsed JSON into objects without a prototype, dropping keys that could reach one
 * (JSON.parse defines "__proto__" as an own key, so nothing was polluted on the way), and puts
 * the strings of structure() back in place of their placeholders. Depth is bounded: regions
 * deeper than MAX_DEPTH are never parsed.
 */
function clean(value: unknown, strings: readonly string[]): unknown {
  if (typeof value === 'string') return value.startsWith(PLACEHOLDER) ? strings[Number(value.slice(1))] : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = clean(value[i], strings);
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    const key = clean(k, strings) as string;
    if (!FORBIDDEN_KEYS.has(key)) out[key] = clean(v, strings);
  }
  return out;
}

/**
 * A whole text that is one JSON value (`[["Background"], "sky"]`, `['Bag', 'Hat']`) as that
 * value, or undefined when it is not (validate.ts reads parameters written as text with it).
 */
export function readJsonText(text: string): unknown {
  const region = nextRegion(text, 0, text.length);
  if (!region || region.start !== 0 || region.end !== text.length || !region.closed || region.tooDeep) return undefined;
  const values: unknown[] = [];
  for (const span of region.spans) {
    const read = readSpan(text, span);
    if (!('value' in read)) return undefined;
    values.push(read.value);
  }
  return region.list ? values : values[0];
}

function readRegion(text: string, region: Region, locale: Locale, full: boolean): RegionRead {
  const rejection = full ? uncounted : render;
  const notJson = (span: Span, read: { detail: string; at: number }) =>
    rejection(snippet(text, span.start, span.end), locale, 'commands.not_json', { detail: read.detail, at: read.at });
  if (!region.list) {
    const span = region.spans[0]!;
    // Cut off inside the object: a truncated command, not prose to look inside.
    if (!span.stray && !region.closed) return { ok: true, values: [], rejected: [rejection(snippet(text, region.start, region.end), locale, 'commands.truncated')] };
    const read = readSpan(text, span);
    if ('value' in read) return { ok: true, values: [read.value], rejected: [] };
    return { ok: false, meant: region.keyValue, rejected: [notJson(span, read)] };
  }
  // A list: element by element, so one broken or cut-off command does not cost the others.
  const values: unknown[] = [];
  const rejected: Rejection[] = [];
  let broken = false;
  let cut = false;
  const { spans } = region;
  for (let k = 0; k < spans.length; k++) {
    const span = spans[k]!;
    if (!span.stray && !region.closed && k === spans.length - 1 && !span.complete) {
      rejected.push(rejection(snippet(text, span.start, region.end), locale, 'commands.truncated'));
      cut = true;
      break;
    }
    const read = readSpan(text, span);
    if ('value' in read) values.push(read.value);
    else {
      rejected.push(notJson(span, read));
      broken = true;
    }
  }
  if (!region.closed && !cut) rejected.push(rejection(snippet(text, Math.max(region.start, region.end - 80), region.end), locale, 'commands.truncated_list'));
  // An unclosed list with a broken element is more likely prose with a stray "[" than JSON.
  if (broken && (values.length === 0 || !region.closed)) {
    const first = rejected.find((r) => r.key === 'commands.not_json')!;
    const meant = region.closed && spans.some((s) => s.meant);
    return { ok: false, meant, rejected: [first.reason === '' ? first : { ...first, item: snippet(text, region.start, region.end) }] };
  }
  return { ok: true, values, rejected };
}

/** Whether an unreadable region was meant as JSON (quotes, colons, the word "command"), not prose like "[note]". */
function looksLikeJson(text: string, region: Region): boolean {
  const s = text.slice(region.start, Math.min(region.end, region.start + 4096));
  // An apostrophe counts only where a quoted value could start, so "[it's ok]" stays prose.
  return /["“”:：]|[[{,，［｛]\s*['‘’]|command/i.test(s);
}

/** Only numbers, booleans and nulls (and lists of them): nothing a command could be made of. */
function isBareData(values: readonly unknown[]): boolean {
  return values.every((v) => (Array.isArray(v) ? v.every((x) => x === null || typeof x === 'number' || typeof x === 'boolean') : v === null || typeof v === 'number' || typeof v === 'boolean'));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function commandsKey(obj: Record<string, unknown>): string | undefined {
  if ('command' in obj || 'cmd' in obj) return undefined;
  for (const k of Object.keys(obj)) if (k.trim().toLowerCase() === 'commands') return k;
  return undefined;
}

/** Adds a parsed value's commands: lists are flattened, `{"commands": […]}` unwrapped, JSON-in-a-string decoded. */
function collect(value: unknown, level: number, nesting: number, locale: Locale, out: Collecting): void {
  if (Array.isArray(value)) {
    if (nesting >= MAX_LIST_NESTING) {
      out.items.push(value);
      return;
    }
    for (const el of value) {
      if (Array.isArray(el) || isEncodedJson(el) || (isRecord(el) && commandsKey(el))) collect(el, level, nesting + 1, locale, out);
      else out.items.push(el);
    }
    return;
  }
  if (isEncodedJson(value)) {
    if (level + 1 >= MAX_ENCODING_LEVELS + 1) {
      out.items.push(value);
      return;
    }
    extractInto(value, level + 1, locale, out);
    return;
  }
  if (isRecord(value)) {
    const key = commandsKey(value);
    if (key !== undefined && nesting < MAX_LIST_NESTING) {
      collect(value[key], level, nesting + 1, locale, out);
      return;
    }
  }
  out.items.push(value);
}

function isEncodedJson(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const s = v.trimStart();
  return s.length > 1 && isOpen(s.charCodeAt(0)) && /command/i.test(s.slice(0, 4096));
}
