import type { Locale } from '../../i18n/index.js';
import { MAX_DEPTH, bracketKind, isClose, isComma, isOpen, isQuote } from './lex.js';
import { LenientParser, LenientSyntaxError, skipToSeparator } from './lenient-json.js';
import { rejection, rejection as render, snippet } from './reasons.js';
import { nextRegion, readEncodedLiteral, type Region } from './scan.js';
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
 * Finds command candidates in a raw model reply: every top-level bracketed region is read with
 * the lenient parser and its values collected. Prose, code fences and several arrays need no
 * special case. A region that turns out to be prose (an unbalanced "[" before the real JSON) is
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

function readRegion(text: string, region: Region, locale: Locale, full: boolean): RegionRead {
  const rejection = full ? uncounted : render;
  const parser = new LenientParser(text, region.start, region.end);
  if (bracketKind(text.charCodeAt(region.start)) === '{') {
    try {
      const value = parser.parseValue(0);
      return { ok: true, values: [value], rejected: [] };
    } catch (err) {
      const r = syntaxRejection(err, text, region.start, region.end, region, locale, rejection);
      // Cut off inside the object: a truncated command, not prose to look inside.
      if (r.key === 'commands.truncated') return { ok: true, values: [], rejected: [r] };
      return { ok: false, meant: parser.keyValueSeen, rejected: [r] };
    }
  }
  // A list: read element by element so one broken or cut-off command does not cost the others.
  const values: unknown[] = [];
  const rejected: Rejection[] = [];
  let meant = false;
  parser.resetAt(region.start + 1, 0x5b);
  for (;;) {
    if (parser.atEnd()) {
      if (!region.closed) rejected.push(rejection(snippet(text, Math.max(region.start, region.end - 80), region.end), locale, 'commands.truncated_list'));
      break;
    }
    const c = parser.peek();
    if (isClose(c)) break;
    if (isComma(c)) {
      parser.resetAt(parser.pos + 1, c);
      continue;
    }
    const start = parser.pos;
    if (isOpen(c) || isQuote(c)) meant = true;
    try {
      values.push(parser.parseValue(1));
    } catch (err) {
      if (err instanceof LenientSyntaxError && err.atEnd && !region.closed) {
        rejected.push(rejection(snippet(text, start, region.end), locale, 'commands.truncated'));
        break;
      }
      const next = skipToSeparator(text, start, region.end);
      rejected.push(syntaxRejection(err, text, start, next, region, locale, rejection));
      if (next >= region.end) break;
      parser.resetAt(next, 0x2c);
    }
  }
  const broken = rejected.some((r) => r.key !== 'commands.truncated' && r.key !== 'commands.truncated_list');
  // An unclosed list with a broken element is more likely prose with a stray "[" than JSON.
  if (broken && (values.length === 0 || !region.closed)) {
    return { ok: false, meant: meant && region.closed, rejected: [syntaxRejection(undefined, text, region.start, region.end, region, locale, rejection, rejected[0])] };
  }
  return { ok: true, values, rejected };
}

function syntaxRejection(
  err: unknown,
  text: string,
  start: number,
  end: number,
  region: Region,
  locale: Locale,
  rejection: typeof render,
  inner?: Rejection,
): Rejection {
  if (inner) return inner.reason === '' ? inner : { ...inner, item: snippet(text, start, end) };
  if (err instanceof LenientSyntaxError) {
    if (err.tooDeep) return rejection(snippet(text, start, end), locale, 'commands.too_deep', { max: MAX_DEPTH });
    if (err.atEnd && !region.closed) return rejection(snippet(text, start, end), locale, 'commands.truncated');
    return rejection(snippet(text, start, end), locale, 'commands.not_json', { detail: err.message, at: err.pos - start + 1 });
  }
  throw err;
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
