/**
 * Finds the bracketed regions of a model reply and, in the same pass, what jsonrepair must not be
 * trusted with. Reading the JSON itself is jsonrepair's job (extract.ts); this scanner supplies
 * what the library cannot know: where JSON starts and ends inside prose, where each element of a
 * list ends (so one broken or cut-off command does not cost the others), whether the reply was
 * cut off, and which text jsonrepair would "repair" by inventing a value (a bare word or prose
 * quoted as a string, a missing value filled with null) — that is reported, never guessed.
 *
 * Full-width brackets, quotes, commas and colons count as their ASCII twins because models that
 * write Chinese often emit them (［｛“”，：). They are normalised (NFKC, plus 、 as a comma) only
 * outside strings: NFKC over the whole text would rewrite the content of prompts ("说“你好”，然后笑").
 */

import { jsonrepair } from 'jsonrepair';

export const MAX_DEPTH = 32;

export function isOpen(c: number): boolean {
  return c === 0x5b /* [ */ || c === 0x7b /* { */ || c === 0xff3b /* ［ */ || c === 0xff5b /* ｛ */;
}

function isClose(c: number): boolean {
  return c === 0x5d /* ] */ || c === 0x7d /* } */ || c === 0xff3d /* ］ */ || c === 0xff5d /* ｝ */;
}

function isComma(c: number): boolean {
  return c === 0x2c /* , */ || c === 0xff0c /* ， */ || c === 0x3001 /* 、 */;
}

function isColon(c: number): boolean {
  return c === 0x3a /* : */ || c === 0xff1a /* ： */;
}

export function isWs(c: number): boolean {
  return (
    c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c ||
    c === 0xa0 || c === 0x3000 || c === 0xfeff || c === 0x2028 || c === 0x2029 || (c >= 0x2000 && c <= 0x200b)
  );
}

const DOUBLE = 0x22; // "
const SINGLE = 0x27; // '
const LDQ = 0x201c; // “
const RDQ = 0x201d; // ”
const LSQ = 0x2018; // ‘
const RSQ = 0x2019; // ’

function isQuote(c: number): boolean {
  return c === DOUBLE || c === SINGLE || c === LDQ || c === RDQ || c === LSQ || c === RSQ;
}

/**
 * Which characters may end a string opened by `open`. An ASCII `"` string ends only at `"`, so
 * Chinese quotation marks inside ASCII strings ("穿“白色”T恤") stay text (jsonrepair agrees).
 */
function closes(open: number, c: number): boolean {
  switch (open) {
    case DOUBLE:
      return c === DOUBLE;
    case SINGLE:
      return c === SINGLE;
    case LDQ:
    case RDQ:
      return c === RDQ || c === DOUBLE || c === LDQ;
    default:
      return c === RSQ || c === SINGLE || c === LSQ;
  }
}

/** What was read last, for the rules that depend on it. */
const enum Prev {
  Start,
  Open,
  Comma,
  Colon,
  /** A string, a key word, a close bracket, a number or a literal: a value (or key) ended. */
  Value,
}

/**
 * Returns the index just after the closing quote of the string that starts at `i`, or -1 when
 * the string is not closed before `end` (a reply cut off inside a string). A quote closes its
 * string only when what follows could follow a JSON string (a separator, a closing bracket, a
 * comment or the end): in model output that keeps unescaped inner quotes ("a "big" hat") inside.
 * Linear: each whitespace run after a candidate quote is looked at once more at most.
 */
function skipString(text: string, i: number, end: number): number {
  const open = text.charCodeAt(i);
  let j = i + 1;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c === 0x5c /* \ */) {
      j += 2;
      continue;
    }
    if (closes(open, c)) {
      let k = j + 1;
      while (k < end && isWs(text.charCodeAt(k))) k++;
      if (k >= end) return j + 1;
      const f = text.charCodeAt(k);
      if (isComma(f) || isColon(f) || isClose(f) || f === 0x2f /* / */) return j + 1;
    }
    j++;
  }
  return -1;
}

/** Index after a comment starting at `i` (`//` to end of line, `/* … *\/` or to `end`), or -1 if none starts there. */
function skipComment(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) !== 0x2f || i + 1 >= end) return -1;
  const next = text.charCodeAt(i + 1);
  // Searches stay inside [i, end): an unbounded indexOf would make many regions quadratic.
  if (next === 0x2f) {
    for (let j = i + 2; j < end; j++) if (text.charCodeAt(j) === 0x0a) return j + 1;
    return end;
  }
  if (next === 0x2a) {
    for (let j = i + 2; j + 1 < end; j++) if (text.charCodeAt(j) === 0x2a && text.charCodeAt(j + 1) === 0x2f) return j + 2;
    return end;
  }
  return -1;
}

/** One value of a region: the whole region when it is an object, each top-level element when it is a list. */
export interface Span {
  start: number;
  end: number;
  /** The first text outside strings that is not JSON (jsonrepair would quote it or invent a value). */
  stray?: { at: number; what: string };
  /** Places jsonrepair mends by rewriting its output so far (missing, leading or trailing commas). */
  repairs: number;
  /** Ends with a closed bracket or string, so a cut after it did not touch it. */
  complete: boolean;
  /** Starts with a bracket or a quote: meant as JSON rather than prose. */
  meant: boolean;
  /** ASCII JSON punctuation, double quotes and JSON literals only: JSON.parse may read it as it is. */
  plain: boolean;
  /** Needs jsonrepair even after structure() (comments, bare keys, Python literals, comma repairs). */
  mend: boolean;
}

/** A bracketed stretch of a reply that may hold JSON. */
export interface Region {
  start: number;
  /** Index after the closing bracket, or the end of the text when it never closes. */
  end: number;
  closed: boolean;
  /** Brackets nest deeper than MAX_DEPTH: never parsed. */
  tooDeep: boolean;
  list: boolean;
  spans: Span[];
  /** An object whose first top-level key and colon came before any stray text: meant as JSON. */
  keyValue: boolean;
}

const LITERALS = new Set(['true', 'false', 'null']);
const PYTHON_LITERALS = new Set(['True', 'False', 'None']);

const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x24;
}

/** Characters of bare words and numbers: keys, literals, numbers, or prose. */
function isTokenChar(c: number): boolean {
  return isWordStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x2b;
}

/**
 * Finds the next top-level bracketed region at or after `from`, in one pass with a bracket and
 * string state machine (no recursion: a depth counter finds the end, and the kind of the
 * innermost bracket is kept only up to MAX_DEPTH, beyond which nothing is parsed).
 */
export function nextRegion(text: string, from: number, end: number): Region | undefined {
  let i = from;
  while (i < end && !isOpen(text.charCodeAt(i))) i++;
  if (i >= end) return undefined;
  const start = i;
  const list = text.charCodeAt(start) === 0x5b || text.charCodeAt(start) === 0xff3b;
  const spans: Span[] = [];
  /** inObject[d]: the bracket opened at depth d is an object (keys expected). */
  const inObject: boolean[] = [];
  let span: Span | undefined;
  let depth = 0;
  let maxDepth = 0;
  let prev = Prev.Start;
  let keyValue = false;
  let strayed = false;

  /** Something only jsonrepair mends; `cost` counts it against MAX_REPAIRS when it copies output. */
  const repair = (s: Span, cost = 1): void => {
    s.repairs += cost;
    s.plain = false;
    s.mend = true;
  };
  const open = (at: number, meant: boolean): Span => {
    span = { start: at, end, repairs: 0, complete: false, meant, plain: true, mend: false };
    spans.push(span);
    return span;
  };
  /** The span the character at `at` belongs to (inside a list, one starts at its first character). */
  const current = (at: number, meant = false): Span => span ?? open(at, meant);
  /** [{…} {…}]: a missing comma between elements still separates them. */
  const split = (at: number): void => {
    if (list && depth === 1 && prev === Prev.Value && span && !span.stray) {
      span.end = at;
      span = undefined;
      prev = Prev.Comma;
    }
  };
  const stray = (at: number, what: string): void => {
    split(at);
    current(at).stray ??= { at, what };
    strayed = true;
  };
  const done = (closed: boolean, spanEnd: number, regionEnd: number): Region => {
    if (span && span.end === end) span.end = spanEnd;
    return { start, end: regionEnd, closed, tooDeep: maxDepth > MAX_DEPTH, list, spans, keyValue };
  };
  /** A value (or key) starts at `at`: one right after another means a missing comma. */
  const valueStart = (at: number, meant: boolean): Span => {
    split(at);
    const s = current(at, meant);
    if (prev === Prev.Value) repair(s); // missing comma
    s.complete = false;
    return s;
  };

  if (!list) open(start, true);
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isWs(c)) {
      if (c > 0x7f && span) span.plain = false;
      i++;
      continue;
    }
    if (c === 0x2f) {
      const after = skipComment(text, i, end);
      if (after !== -1) {
        if (span) repair(span, 0);
        i = after;
        continue;
      }
    }
    if (isQuote(c)) {
      if (prev === Prev.Value) {
        // A quote opens a string only where a value or key can start (after a bracket, comma or
        // colon): apostrophes in prose ("it's") do not swallow the reply, and "a" "b" is not
        // joined or split by guesswork.
        stray(i, 'a quote where no text value can start');
        prev = Prev.Value;
        i++;
        continue;
      }
      const s = valueStart(i, true);
      const after = skipString(text, i, end);
      if (after === -1) return done(false, end, end);
      if (c !== DOUBLE || text.charCodeAt(after - 1) !== DOUBLE) s.plain = false;
      s.complete = depth === 1;
      i = after;
      prev = Prev.Value;
      continue;
    }
    if (isOpen(c)) {
      if (depth >= 1) {
        // Test 'looks inside braces that hold no key': "{{" or "{:" start no object.
        if (inObject[depth] === true && prev !== Prev.Colon) stray(i, 'a key expected');
        valueStart(i, true);
      }
      if (c > 0x7f && span) span.plain = false;
      depth++;
      if (depth > maxDepth) maxDepth = depth;
      if (depth <= MAX_DEPTH) inObject[depth] = c === 0x7b || c === 0xff5b;
      prev = Prev.Open;
      i++;
      continue;
    }
    if (isClose(c)) {
      // Test 'reports a missing value, never fills it in': jsonrepair fills `"y": }` with null.
      if (prev === Prev.Colon) stray(i, 'a value is missing after ":"');
      // Test 'treats mismatched brackets as prose': jsonrepair reads "{]" as {}.
      const object = c === 0x7d || c === 0xff5d;
      if (depth <= MAX_DEPTH && inObject[depth] !== object && (depth > 1 || !list)) stray(i, `"${text[i]}" closes ${object ? 'a list' : 'an object'}`);
      if (prev === Prev.Comma && span) {
        repair(span); // trailing comma
      }
      depth--;
      if (depth === 0) {
        if (c > 0x7f && !list) span!.plain = false;
        return list ? done(true, i, i + 1) : done(true, i + 1, i + 1);
      }
      const s = current(i);
      if (c > 0x7f) s.plain = false;
      if (depth === 1) s.complete = true;
      prev = Prev.Value;
      i++;
      continue;
    }
    if (isComma(c)) {
      if (prev === Prev.Colon) stray(i, 'a value is missing after ":"');
      if (list && depth === 1) {
        // Element boundary; extra commas between elements carry no value.
        if (span) span.end = i;
        span = undefined;
      } else {
        const s = current(i);
        // Test 'reports a missing value, never fills it in': jsonrepair reads [1,,2] as [[1],2].
        if (prev === Prev.Comma) stray(i, 'an empty place between two commas');
        if (prev === Prev.Open) {
          repair(s); // leading comma
        }
        if (c !== 0x2c) s.plain = false;
      }
      prev = Prev.Comma;
      i++;
      continue;
    }
    if (isColon(c)) {
      if (prev !== Prev.Value) stray(i, 'a colon where no key came before');
      else if (!list && depth === 1 && !strayed) keyValue = true;
      if (c !== 0x3a) current(i).plain = false;
      prev = Prev.Colon;
      i++;
      continue;
    }
    if (isTokenChar(c)) {
      let j = i + 1;
      while (j < end && isTokenChar(text.charCodeAt(j))) j++;
      let k = j;
      while (k < end && isWs(text.charCodeAt(k))) k++;
      const key = inObject[depth] === true && prev !== Prev.Colon;
      const s = valueStart(i, false);
      const word = j - i === 4 || j - i === 5 ? text.slice(i, j) : '';
      NUMBER.lastIndex = i;
      if (key) {
        if (isWordStart(c) && k < end && isColon(text.charCodeAt(k))) repair(s, 0); // a bare key
        else stray(i, 'a key expected');
      } else if (PYTHON_LITERALS.has(word)) repair(s, 0);
      else if (!LITERALS.has(word) && !(NUMBER.test(text) && NUMBER.lastIndex === j) && span?.stray === undefined) {
        // Tests 'ignores bracketed prose but reports broken JSON', 'summarises floods of broken
        // regions', corpus 'apostrophes and bracketed prose before the JSON' and 'reasoning tags
        // with brackets before the answer': jsonrepair would turn prose words into strings.
        // The reason is built for the first stray of a span only: prose can hold millions of words.
        stray(i, `unexpected text "${text.slice(i, Math.min(j, i + 30))}" (text values need quotes)`);
      }
      prev = Prev.Value;
      i = j;
      continue;
    }
    if (span?.stray === undefined) stray(i, `unexpected character "${String.fromCodePoint(text.codePointAt(i)!)}"`);
    prev = Prev.Value; // a quote right after such text closes or quotes prose, it opens no string
    i++;
  }
  return done(false, end, end);
}

/**
 * A span as jsonrepair should see it: full-width punctuation and unusual spaces outside strings
 * replaced by their NFKC forms (the ideographic comma 、, which NFKC keeps, by a comma: corpus
 * 'Chinese enumeration comma between labels'), and every string replaced by a placeholder
 * `"\ue000<n>"` whose text is `strings[n]`. The placeholders are own code because jsonrepair
 * 3.15 misreads a string holding an unclosed bracket before a closing one (`["a[b"]` becomes
 * `["a",["b"]]`; test 'keeps brackets inside strings when the rest needs repair'); it then
 * only mends the structure (comments, commas, bare keys, Python literals). Only for spans
 * without stray text, where every quote outside a string opens one and each string closes.
 */
/** Starts every placeholder; no other string in jsonrepair's output can (bare keys are ASCII words). */
export const PLACEHOLDER = '\ue000';

export function structure(text: string, span: Span): { source: string; strings: string[]; at(pos: number): number } {
  let source = '';
  const strings: string[] = [];
  /** Pairs (index in source, index in text) where a placeholder ends, to map positions back. */
  const anchors = [0, span.start];
  let from = span.start;
  let i = span.start;
  while (i < span.end) {
    const c = text.charCodeAt(i);
    if (isQuote(c)) {
      const after = skipString(text, i, span.end);
      source += `${text.slice(from, i)}"${PLACEHOLDER}${strings.length}"`;
      strings.push(decodeString(text, i, after));
      anchors.push(source.length, after);
      i = from = after;
      continue;
    }
    if (c === 0x2f) {
      const after = skipComment(text, i, span.end);
      if (after !== -1) {
        i = after; // jsonrepair drops it; skipped here so that quotes in it open nothing
        continue;
      }
    }
    if (c > 0x7f) {
      // NFKC of a full-width form U+FF01–FF5E is the ASCII character 0xFEE0 below it.
      source += text.slice(from, i) + (c === 0x3001 ? ',' : isWs(c) ? ' ' : String.fromCharCode(c - 0xfee0));
      from = i + 1;
    }
    i++;
  }
  const at = (pos: number): number => {
    let k = anchors.length - 2;
    while (anchors[k]! > pos) k -= 2;
    return anchors[k + 1]! + pos - anchors[k]!;
  };
  return { source: source + text.slice(from, span.end), strings, at };
}

/**
 * The text of the string token text[start, end): any quotes, unescaped inner quotes ("a "big"
 * hat") kept as text, JSON escapes decoded; jsonrepair mends bad escapes and raw control characters.
 */
function decodeString(text: string, start: number, end: number): string {
  let body = text.slice(start + 1, end - 1);
  if (!/[\\\u0000-\u001f]/.test(body)) return body; // nothing to decode
  if (body.includes('"')) body = body.includes('\\') ? body.replace(/(?<=(?:^|[^\\])(?:\\\\)*)"/g, '\\"') : body.split('"').join('\\"');
  const literal = `"${body}"`;
  try {
    return JSON.parse(literal) as string;
  } catch {
    return JSON.parse(jsonrepair(literal)) as string;
  }
}

/**
 * A JSON string literal at `i` whose content is itself JSON (`"[{\"command\": …}]"`): returns the
 * decoded text and the index after the literal, or undefined.
 */
export function readEncodedLiteral(text: string, i: number, end: number): { decoded: string; after: number } | { after: number } | undefined {
  if (text.charCodeAt(i) !== 0x22) return undefined;
  let k = i + 1;
  while (k < end && isWs(text.charCodeAt(k))) k++;
  if (k >= end || !isOpen(text.charCodeAt(k))) return undefined;
  let j = k;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) {
      j += 2;
      continue;
    }
    if (c === 0x22) break;
    j++;
  }
  if (j >= end) return { after: end };
  try {
    const decoded: unknown = JSON.parse(text.slice(i, j + 1));
    if (typeof decoded === 'string') return { decoded, after: j + 1 };
  } catch {
    // Not a valid string literal: the caller reads the text as it is.
  }
  return { after: j + 1 };
}
