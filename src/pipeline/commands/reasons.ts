import { t, type Locale, type MessageKey } from '../../i18n/index.js';
import type { Rejection } from '../../core/commands.js';

/** Builds a rejection whose reason is rendered now and can be re-rendered later from key + params. */
export function rejection(item: unknown, locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): Rejection {
  return { item, reason: t(locale, key, params), key, params };
}

const SNIPPET = 200;

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
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
