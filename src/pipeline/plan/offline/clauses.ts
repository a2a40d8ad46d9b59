import { textOf, type Token } from './tokenize.js';

/** A clause of an instruction, how it joins the next one ("and", a separator, or nothing: the last), and its text as written. */
export interface Clause {
  tokens: Token[];
  joinNext: 'and' | 'sep' | null;
  text: string;
}

const ACTING = new Set<Token['kind']>(['verb', 'op', 'adjust', 'bokeh']);
/** Small words between "图片" and "背景" in "图片的背景", "照片里的人". */
const POSSESSIVE_LINK = new Set(['的', '里', '里的', '中', '中的', '上', '上的', '内', '内的']);
const OF = new Set(['of', 'in', 'on', 'from']);

/**
 * Whole-image words that only say where a part is: "图片背景", "照片里的人物", "the photo's
 * background", "the background of the picture" mean the part, not the whole photo.
 */
export function dropPossessiveWhole(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tk = tokens[i]!;
    if (tk.kind === 'whole') {
      let j = i + 1;
      while (j < tokens.length && tokens[j]!.kind === 'filler' && POSSESSIVE_LINK.has(tokens[j]!.raw)) j++;
      const next = tokens[j];
      if (next && (next.kind === 'part' || next.kind === 'me' || next.kind === 'rest')) {
        i = j - 1; // the link words go with it
        continue;
      }
    }
    // "the background of the photo": part + of (+ the) + whole.
    if (tk.kind === 'filler' && OF.has(tk.raw) && out.length > 0 && isPartLike(out[out.length - 1]!)) {
      let j = i + 1;
      while (j < tokens.length && tokens[j]!.kind === 'filler' && !OF.has(tokens[j]!.raw)) j++;
      if (tokens[j]?.kind === 'whole') {
        i = j;
        continue;
      }
    }
    out.push(tk);
  }
  return out;
}

function isPartLike(tk: Token): boolean {
  return tk.kind === 'part' || tk.kind === 'me' || tk.kind === 'rest';
}

/**
 * "new shoes: white sneakers", "背景：海滩": a colon between parts named without a verb and a
 * target without one reads as "change X to Y"; any other colon separates clauses.
 */
function colonAsChange(tokens: Token[], at: number): boolean {
  let hasPart = false;
  for (let i = at - 1; i >= 0 && tokens[i]!.kind !== 'sep'; i--) {
    const k = tokens[i]!.kind;
    if (ACTING.has(k)) return false;
    if (k === 'part') hasPart = true;
  }
  if (!hasPart) return false;
  let hasTarget = false;
  for (let i = at + 1; i < tokens.length && tokens[i]!.kind !== 'sep'; i++) {
    const k = tokens[i]!.kind;
    if (ACTING.has(k)) return false;
    if (k !== 'filler' && k !== 'and') hasTarget = true;
  }
  return hasTarget;
}

/**
 * Clauses: strong separators (punctuation, "then", "然后") always split; "and"/"和" splits only
 * when what follows has its own verb or operation ("remove my hat and scarf" stays one clause).
 */
export function splitClauses(input: Token[]): Clause[] {
  const tokens = dropPossessiveWhole(input);
  const out: Clause[] = [];
  let cur: Token[] = [];
  const push = (join: 'and' | 'sep' | null) => {
    if (cur.length > 0) out.push({ tokens: cur, joinNext: join, text: textOf(cur) });
    else if (out.length > 0 && join) out[out.length - 1]!.joinNext = join;
    cur = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const tk = tokens[i]!;
    if (tk.kind === 'sep') {
      if ((tk.raw === ':' || tk.raw === '：') && colonAsChange(tokens, i)) {
        cur.push({ kind: 'verb', verb: 'change', raw: '' }, { kind: 'marker', raw: ':' });
        continue;
      }
      // "除了人物以外，其余都换成星空": an "except" phrase belongs to the clause after it.
      if (cur.some((t) => t.kind === 'except') && !cur.some((t) => ACTING.has(t.kind))) continue;
      push('sep');
      continue;
    }
    if (tk.kind === 'and') {
      let acting = false;
      for (let j = i + 1; j < tokens.length && tokens[j]!.kind !== 'sep' && tokens[j]!.kind !== 'and'; j++) {
        if (ACTING.has(tokens[j]!.kind)) acting = true;
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
