import { t, type Locale, type MessageKey } from '../../i18n/index.js';
import type { Rejection } from '../../core/commands.js';

/**
 * Builds a rejection whose reason is rendered now and can be re-rendered later from key + params.
 * The item is echoed at most SNIPPET characters long (see echo).
 */
export function rejection(item: unknown, locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): Rejection {
  return { item: echo(item), reason: t(locale, key, params), key, params };
}

const SNIPPET = 200;

/**
 * What a rejection shows of the input: the item itself when its JSON is at most SNIPPET
 * characters, else the first SNIPPET characters of its JSON (or of the text) and "…", so a
 * 1 MB instruction or prompt is never sent back in `rejected`.
 */
export function echo(item: unknown): unknown {
  if (typeof item === 'string') return item.length > SNIPPET ? `${item.slice(0, SNIPPET)}…` : item;
  if (typeof item !== 'object' || item === null) return item;
  let s: string;
  try {
    s = JSON.stringify(item) ?? '';
  } catch {
    s = String(item);
  }
  return s.length > SNIPPET ? `${s.slice(0, SNIPPET)}…` : item;
}

/** Text from the input quoted inside a reason, cut to `max` characters. */
export function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A short excerpt for rejections, so a 10 MB reply never ends up in JSON output or a prompt. */
export function snippet(text: string, start = 0, end = text.length): string {
  const s = text.slice(start, Math.min(end, start + SNIPPET + 1));
  return s.length > SNIPPET ? `${s.slice(0, SNIPPET)}…` : s;
}

/** A compact rendering of any value for a reason ("got 5", "got [1,2]"). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let s: string;
  try {
    // A prefix of a long string is enough (a 10 MB value is not serialised for 60 characters).
    s = JSON.stringify(typeof value === 'string' ? value.slice(0, 61) : value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
