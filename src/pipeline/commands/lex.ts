/**
 * Character classes shared by the region scanner and the lenient JSON parser. They must agree
 * exactly, otherwise the scanner would cut regions where the parser sees a string.
 * Full-width brackets, quotes, commas and colons count as their ASCII twins because models that
 * write Chinese often emit them (［｛“”，：).
 */

export const MAX_DEPTH = 32;

export function isOpen(c: number): boolean {
  return c === 0x5b /* [ */ || c === 0x7b /* { */ || c === 0xff3b /* ［ */ || c === 0xff5b /* ｛ */;
}

export function isClose(c: number): boolean {
  return c === 0x5d /* ] */ || c === 0x7d /* } */ || c === 0xff3d /* ］ */ || c === 0xff5d /* ｝ */;
}

/** `[` for both bracket kinds of arrays, `{` for objects. */
export function bracketKind(c: number): '[' | '{' {
  return c === 0x5b || c === 0x5d || c === 0xff3b || c === 0xff3d ? '[' : '{';
}

export function isComma(c: number): boolean {
  return c === 0x2c /* , */ || c === 0xff0c /* ， */ || c === 0x3001 /* 、 */;
}

export function isColon(c: number): boolean {
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

export function isQuote(c: number): boolean {
  return c === DOUBLE || c === SINGLE || c === LDQ || c === RDQ || c === LSQ || c === RSQ;
}

/**
 * Which characters may end a string opened by `open`. An ASCII `"` string ends only at `"`, so
 * Chinese quotation marks inside ASCII strings ("穿“白色”T恤") stay text.
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

/**
 * A quote may start a string only where JSON expects a value or key: after an opening bracket,
 * a comma or a colon. This keeps apostrophes in prose ("it's") from swallowing the reply.
 */
export function opensValueAfter(prev: number): boolean {
  return prev === -1 || isOpen(prev) || isComma(prev) || isColon(prev);
}

/**
 * A quote closes its string only when what follows could follow a JSON string (a separator, a
 * closing bracket, a comment or the end). In valid JSON that is always so; in model output it
 * keeps unescaped inner quotes ("a "big" hat", 'don't') inside the string.
 */
function canFollowString(c: number): boolean {
  return isComma(c) || isColon(c) || isClose(c) || c === 0x2f /* / */;
}

/**
 * Returns the index just after the closing quote of the string that starts at `i`, or -1 when
 * the string is not closed before `end` (a reply cut off inside a string).
 * Linear: each whitespace run after a candidate quote is looked at once more at most.
 */
export function skipString(text: string, i: number, end: number): number {
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
      if (k >= end || canFollowString(text.charCodeAt(k))) return j + 1;
    }
    j++;
  }
  return -1;
}

/** Index after a comment starting at `i` (`//` to end of line, `/* … *\/` or to `end`), or -1 if none starts there. */
export function skipComment(text: string, i: number, end: number): number {
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
