import type { LexToken, LexiconEntry } from './lexicon.js';

/** A part of the person (or the background) named in the text; `word` goes to matchLabel. */
export type PartToken = { kind: 'part'; word: string; gloss?: string };

export type Token = (LexToken | PartToken | { kind: 'other' }) & { raw: string };

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const WORD_CHAR = /[a-z0-9'’]/;
const SEPARATORS = new Set([',', ';', '.', '!', '?', ':', '\n', '。', '，', '；', '！', '？', '：', '…']);

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD_CHAR.test(c);
}

/** Full-width forms to ASCII (NFKC), lower case, curly quotes straightened. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(/[‘’]/g, "'").replace(/[“”]/g, '"').toLowerCase();
}

/**
 * Longest-match tokenizer over one dictionary for both languages: ASCII phrases must sit on
 * word boundaries (a plural "s"/"es" is allowed), Chinese phrases match anywhere (maximum
 * forward matching, the classic way to segment Chinese without a model).
 */
export class Tokenizer {
  private readonly byFirst = new Map<string, { phrase: string; token: LexToken | PartToken }[]>();

  constructor(entries: Iterable<{ phrase: string; token: LexToken | PartToken }>) {
    const seen = new Set<string>();
    for (const e of entries) {
      const phrase = normalizeText(e.phrase).trim();
      if (!phrase || seen.has(phrase)) continue; // the first meaning of a phrase wins
      seen.add(phrase);
      const first = phrase[0]!;
      const list = this.byFirst.get(first) ?? [];
      list.push({ phrase, token: e.token });
      this.byFirst.set(first, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.phrase.length - a.phrase.length);
  }

  tokenize(input: string): Token[] {
    const text = normalizeText(input);
    const out: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (/\s/.test(c) && c !== '\n') {
        i++;
        continue;
      }
      const match = this.matchAt(text, i);
      if (match) {
        out.push({ ...match.token, raw: text.slice(i, match.end) } as Token);
        i = match.end;
        continue;
      }
      if (SEPARATORS.has(c)) {
        // A full stop inside a number or abbreviation is not a clause boundary.
        if (!(c === '.' && isWordChar(text[i + 1]))) out.push({ kind: 'sep', raw: c });
        i++;
        continue;
      }
      if (isWordChar(c)) {
        let j = i + 1;
        while (j < text.length && (isWordChar(text[j]) || (text[j] === '-' && isWordChar(text[j + 1])))) j++;
        out.push({ kind: 'other', raw: text.slice(i, j) });
        i = j;
        continue;
      }
      if (CJK.test(c)) out.push({ kind: 'other', raw: c });
      i++; // other punctuation and symbols carry nothing
    }
    return out;
  }

  private matchAt(text: string, i: number): { token: LexToken | PartToken; end: number } | undefined {
    const candidates = this.byFirst.get(text[i]!);
    if (!candidates) return undefined;
    const ascii = isWordChar(text[i]);
    if (ascii && i > 0 && isWordChar(text[i - 1])) return undefined;
    for (const { phrase, token } of candidates) {
      if (!text.startsWith(phrase, i)) continue;
      let end = i + phrase.length;
      if (isWordChar(phrase[phrase.length - 1])) {
        if (text.startsWith('es', end) && !isWordChar(text[end + 2])) end += 2;
        else if (text[end] === 's' && !isWordChar(text[end + 1])) end += 1;
        if (isWordChar(text[end])) continue;
      }
      return { token, end };
    }
    return undefined;
  }
}

export type { LexiconEntry };
