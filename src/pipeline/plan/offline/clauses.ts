import type { Token } from './tokenize.js';

/** A clause of an instruction and how it joins the next one ("and", a separator, or nothing: the last). */
export interface Clause {
  tokens: Token[];
  joinNext: 'and' | 'sep' | null;
}

/**
 * Clauses: strong separators (punctuation, "then", "然后") always split; "and"/"和" splits only
 * when what follows has its own verb or operation ("remove my hat and scarf" stays one clause).
 */
export function splitClauses(tokens: Token[]): Clause[] {
  const out: Clause[] = [];
  let cur: Token[] = [];
  const push = (join: 'and' | 'sep' | null) => {
    if (cur.length > 0) out.push({ tokens: cur, joinNext: join });
    else if (out.length > 0 && join) out[out.length - 1]!.joinNext = join;
    cur = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const tk = tokens[i]!;
    if (tk.kind === 'sep') {
      push('sep');
      continue;
    }
    if (tk.kind === 'and') {
      let j = i + 1;
      let acting = false;
      for (; j < tokens.length && tokens[j]!.kind !== 'sep' && tokens[j]!.kind !== 'and'; j++) {
        const k = tokens[j]!.kind;
        if (k === 'verb' || k === 'op' || k === 'adjust' || k === 'bokeh') acting = true;
      }
      if (acting) {
        push('and');
        continue;
      }
    }
    cur.push(tk);
  }
  push(null);
  if (out.length > 0) out[out.length - 1]!.joinNext = null;
  return out;
}
