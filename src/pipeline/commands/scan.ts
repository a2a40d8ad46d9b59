import { MAX_DEPTH, isClose, isOpen, isQuote, isWs, opensValueAfter, skipComment, skipString } from './lex.js';

/** A bracketed stretch of a reply that may hold JSON. */
export interface Region {
  start: number;
  /** Index after the closing bracket, or the end of the text when it never closes. */
  end: number;
  closed: boolean;
  /** Brackets nest deeper than MAX_DEPTH: never parsed. */
  tooDeep: boolean;
}

/**
 * Finds the next top-level bracketed region at or after `from`, in one pass with a bracket and
 * string state machine (no recursion, no stack: a depth counter is enough to find the end).
 */
export function nextRegion(text: string, from: number, end: number): Region | undefined {
  let i = from;
  while (i < end && !isOpen(text.charCodeAt(i))) i++;
  if (i >= end) return undefined;
  const start = i;
  let depth = 0;
  let maxDepth = 0;
  let prev = -1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isQuote(c) && opensValueAfter(prev)) {
      const after = skipString(text, i, end);
      if (after === -1) return { start, end, closed: false, tooDeep: maxDepth > MAX_DEPTH };
      i = after;
      prev = 0x22;
      continue;
    }
    if (c === 0x2f) {
      const after = skipComment(text, i, end);
      if (after !== -1) {
        i = after;
        continue;
      }
    }
    if (isOpen(c)) {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
    } else if (isClose(c)) {
      depth--;
      if (depth === 0) return { start, end: i + 1, closed: true, tooDeep: maxDepth > MAX_DEPTH };
    }
    if (!isWs(c)) prev = c;
    i++;
  }
  return { start, end, closed: false, tooDeep: maxDepth > MAX_DEPTH };
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
