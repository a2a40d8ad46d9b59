import type { Token } from './tokenize.js';

/** Small readings of tokens and label lists shared by the intent reader's rules. */

/** What a clause asks for, before it becomes commands. */
export type Op = 'cutout' | 'remove' | 'transparent' | 'grayscale' | 'blur' | 'adjust' | 'recolor' | 'change' | 'face' | 'beauty' | 'swap_face' | 'background';

export function addKeywordOp(ops: Set<Op>, tk: Token): void {
  if (tk.kind === 'op') ops.add(tk.op as Op);
  else if (tk.kind === 'bokeh') ops.add('blur');
  else if (tk.kind === 'adjust') ops.add('adjust');
}

/** Single Latin words a prompt can lose without harm ("would", "any"): other words are content. */
export function isQuietOther(tk: Token): boolean {
  return tk.kind === 'other' && /^(would|could|should|will|can|any|look|become|turns?|get|go|and|or|thanks?|thx|ok|okay)$/.test(tk.raw);
}

export function isOnly(labels: readonly string[], label: string): boolean {
  return labels.length === 1 && labels[0] === label;
}

export function union(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

export function findLastIndex<T>(list: readonly T[], pred: (x: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return i;
  return -1;
}

/**
 * "make the skirt black and the shirt white": each part takes the first colour after it (or
 * the last one before it); parts sharing a colour become one recolor.
 */
export function pairColours(tokens: Token[], labelsOf: (tk: Token) => string[], fallbackParts: string[]): { labels: string[]; hex: string }[] {
  const colours = tokens.map((tk, i) => ({ tk, i })).filter((x) => x.tk.kind === 'colour');
  if (colours.length === 0) return [];
  const byHex = new Map<string, string[]>();
  let sawPart = false;
  tokens.forEach((tk, i) => {
    const labels = labelsOf(tk);
    if (labels.length === 0) return;
    sawPart = true;
    const after = colours.find((c) => c.i > i) ?? colours[colours.length - 1]!;
    const hex = (after.tk as Extract<Token, { kind: 'colour' }>).hex;
    byHex.set(hex, union(byHex.get(hex) ?? [], labels));
  });
  if (!sawPart && fallbackParts.length > 0) byHex.set((colours[0]!.tk as Extract<Token, { kind: 'colour' }>).hex, fallbackParts);
  return [...byHex].map(([hex, labels]) => ({ labels, hex }));
}
