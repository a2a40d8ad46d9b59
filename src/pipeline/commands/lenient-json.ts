import {
  MAX_DEPTH,
  bracketKind,
  isClose,
  isColon,
  isComma,
  isOpen,
  isQuote,
  isWs,
  opensValueAfter,
  skipComment,
  skipString,
} from './lex.js';

/**
 * A forgiving JSON reader for one bracketed region of a model reply. It accepts what models
 * write besides JSON (single or curly quotes, full-width punctuation, comments, trailing or
 * missing commas, bare keys, Python literals) and nothing that would need guessing. Objects
 * are created without a prototype and keys that could reach one are dropped.
 * Recursion is bounded by MAX_DEPTH; every character is read a constant number of times.
 */

/**
 * Thrown for unreadable text. Deliberately not an Error: it is control flow inside this module,
 * and capturing a stack trace for each of a hundred thousand broken regions would dominate.
 */
export class LenientSyntaxError {
  readonly name = 'LenientSyntaxError';
  constructor(
    readonly message: string,
    readonly pos: number,
    /** The region ended before the value did: the reply was cut off. */
    readonly atEnd: boolean,
    readonly tooDeep = false,
  ) {}
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$-]*/y;

export class LenientParser {
  pos: number;
  /** A key and its colon were read in the outermost object: the text was meant as JSON. */
  keyValueSeen = false;
  /** Last significant character code before `pos` (-1 at the start), for the quote rule. */
  private prev = -1;

  constructor(
    private readonly text: string,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  private fail(message: string, at = this.pos): never {
    throw new LenientSyntaxError(message, at, at >= this.end);
  }

  skipTrivia(): void {
    const { text, end } = this;
    while (this.pos < end) {
      const c = text.charCodeAt(this.pos);
      if (isWs(c)) {
        this.pos++;
        continue;
      }
      const after = skipComment(text, this.pos, end);
      if (after !== -1) {
        this.pos = after;
        continue;
      }
      break;
    }
  }

  /** Moves the cursor, e.g. past a broken list element; `prev` is the separator before it. */
  resetAt(pos: number, prev: number): void {
    this.pos = pos;
    this.prev = prev;
  }

  atEnd(): boolean {
    this.skipTrivia();
    return this.pos >= this.end;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  parseValue(depth: number): unknown {
    this.skipTrivia();
    if (this.pos >= this.end) this.fail('the text ends where a value was expected');
    const c = this.peek();
    if (isOpen(c)) {
      if (depth >= MAX_DEPTH) throw new LenientSyntaxError(`nested deeper than ${MAX_DEPTH} levels`, this.pos, false, true);
      return bracketKind(c) === '[' ? this.parseArray(depth + 1) : this.parseObject(depth + 1);
    }
    if (isQuote(c)) return this.parseString();
    NUMBER.lastIndex = this.pos;
    const num = NUMBER.exec(this.text);
    if (num && num.index === this.pos && this.pos + num[0].length <= this.end) {
      this.pos += num[0].length;
      this.prev = 0x30;
      return Number(num[0]);
    }
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text);
    if (word && word.index === this.pos) {
      const w = word[0];
      const value = LITERALS.get(w);
      if (value !== undefined) {
        this.pos += w.length;
        this.prev = 0x61;
        return value.v;
      }
      this.fail(`unexpected word "${w.slice(0, 30)}" (text values need quotes)`);
    }
    this.fail(`unexpected character "${String.fromCodePoint(this.text.codePointAt(this.pos)!)}"`);
  }

  /** Parses `[ … ]` with the cursor on the opening bracket. */
  parseArray(depth: number): unknown[] {
    this.pos++;
    this.prev = 0x5b;
    const out: unknown[] = [];
    for (;;) {
      this.skipTrivia();
      if (this.pos >= this.end) this.fail('the list is not closed');
      const c = this.peek();
      if (isClose(c)) {
        if (bracketKind(c) !== '[') this.fail('"}" closes a list');
        this.pos++;
        this.prev = 0x5d;
        return out;
      }
      if (isComma(c)) {
        // Extra and trailing commas carry no value.
        this.pos++;
        this.prev = 0x2c;
        continue;
      }
      out.push(this.parseValue(depth));
    }
  }

  /** Parses `{ … }` with the cursor on the opening brace. */
  parseObject(depth: number): Record<string, unknown> {
    this.pos++;
    this.prev = 0x7b;
    const out = Object.create(null) as Record<string, unknown>;
    for (;;) {
      this.skipTrivia();
      if (this.pos >= this.end) this.fail('the object is not closed');
      const c = this.peek();
      if (isClose(c)) {
        if (bracketKind(c) !== '{') this.fail('"]" closes an object');
        this.pos++;
        this.prev = 0x7d;
        return out;
      }
      if (isComma(c)) {
        this.pos++;
        this.prev = 0x2c;
        continue;
      }
      const key = this.parseKey();
      this.skipTrivia();
      if (this.pos >= this.end) this.fail('the object is not closed');
      if (!isColon(this.peek())) this.fail(`":" expected after key "${key.slice(0, 30)}"`);
      this.pos++;
      this.prev = 0x3a;
      if (depth === 1) this.keyValueSeen = true;
      const value = this.parseValue(depth);
      if (!FORBIDDEN_KEYS.has(key)) out[key] = value;
    }
  }

  private parseKey(): string {
    const c = this.peek();
    if (isQuote(c)) {
      const v = this.parseString();
      return v;
    }
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text);
    if (word && word.index === this.pos) {
      this.pos += word[0].length;
      this.prev = 0x61;
      return word[0];
    }
    this.fail('a key in quotes expected');
  }

  parseString(): string {
    const start = this.pos;
    if (!opensValueAfter(this.prev)) this.fail('a quote where no text value can start');
    const after = skipString(this.text, start, this.end);
    if (after === -1) throw new LenientSyntaxError('the text value is not closed', this.end, true);
    this.pos = after;
    this.prev = 0x22;
    return unescape(this.text, start + 1, after - 1);
  }
}

const LITERALS = new Map<string, { v: unknown }>([
  ['true', { v: true }],
  ['false', { v: false }],
  ['null', { v: null }],
  ['True', { v: true }],
  ['False', { v: false }],
  ['None', { v: null }],
]);

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** Decodes JSON escapes between `from` and `to`; an unknown escape keeps its character. */
function unescape(text: string, from: number, to: number): string {
  // Bounded search: an indexOf over the rest of a 10 MB reply per string would be quadratic.
  let slash = from;
  while (slash < to && text.charCodeAt(slash) !== 0x5c) slash++;
  if (slash >= to) return text.slice(from, to);
  let out = '';
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= to) {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1]!;
    if (e === 'u' && i + 6 <= to && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
      continue;
    }
    out += SIMPLE_ESCAPES[e] ?? e;
    i += 2;
  }
  return out;
}

/**
 * Index of the end of the value starting at `from` at the current level: the next comma or
 * closing bracket outside strings and nested brackets (or `end`). Used to step over one broken
 * element of a list and read the next.
 */
export function skipToSeparator(text: string, from: number, end: number): number {
  let depth = 0;
  let prev = -1;
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isQuote(c) && opensValueAfter(prev)) {
      const after = skipString(text, i, end);
      if (after === -1) return end;
      i = after;
      prev = 0x22;
      continue;
    }
    const comment = skipComment(text, i, end);
    if (comment !== -1) {
      i = comment;
      continue;
    }
    if (isOpen(c)) depth++;
    else if (isClose(c)) {
      if (depth === 0) return i;
      depth--;
    } else if (depth === 0 && isComma(c)) return i;
    if (!isWs(c)) prev = c;
    i++;
  }
  return end;
}
