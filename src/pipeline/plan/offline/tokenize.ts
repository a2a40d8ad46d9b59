import { glossCompound, type Glossary } from './glossary.js';
import type { LexToken, LexiconEntry } from './lexicon.js';
import type { WordSegmenter } from './segment.js';

/** A part of the person (or the background) named in the text; `word` goes to matchLabel. */
export type PartToken = { kind: 'part'; word: string; gloss?: string };

/**
 * A word outside the vocabulary. Chinese ones carry their English from the glossary (`gloss`)
 * and the characters it had no English for (`missing`); `tag` is the segmenter's part of speech.
 */
export type OtherToken = { kind: 'other'; gloss?: string; missing?: string[]; tag?: string };

export type Token = (LexToken | PartToken | OtherToken) & { raw: string };

export const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
export const CJK_GLOBAL = /[\u3400-\u9fff\uf900-\ufaff]/g;
const WORD_CHAR = /[a-z0-9'’]/;
const SEPARATORS = new Set([',', ';', '.', '!', '?', ':', '\n', '。', '，', '；', '！', '？', '：', '…', '、']);
/** "it's", "let's": contractions, not possessives. */
const CONTRACTIONS = /\b(it|let|that|what|there|here|he|she|who|where|how)'s\b/g;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD_CHAR.test(c);
}

function isCjk(c: string | undefined): boolean {
  return c !== undefined && CJK.test(c);
}

/** Full-width forms to ASCII (NFKC), lower case, curly quotes straightened, possessive "'s" dropped ("the photo's background"). */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .toLowerCase()
    .replace(CONTRACTIONS, (m) => m.replace("'", '\u0000'))
    .replace(/([a-z])'s\b/g, '$1')
    .replace(/\u0000/g, "'");
}

export interface TokenizerOptions {
  /** Cuts Chinese runs into words (jieba); created on first use. Without one, Chinese is matched longest-first against the vocabulary. */
  segmenter?: () => WordSegmenter | undefined;
  /** English for Chinese words outside the vocabulary (CC-CEDICT); created on first use. */
  glossary?: () => Glossary | undefined;
}

type Entry = { phrase: string; token: LexToken | PartToken };

/** Vocabulary words that must not be swallowed by a longer unknown word around them. */
const KEEP_WHOLE_KINDS = new Set<Token['kind']>(['face', 'part', 'garment', 'scene', 'colour', 'op', 'verb']);

/**
 * Tokens of an instruction in either language. English: longest match over the vocabulary on
 * word boundaries (a plural "s"/"es" is allowed). Chinese: the segmenter cuts each run into
 * words (the vocabulary is its user dictionary); a word in the vocabulary is its token, a word
 * the vocabulary covers piece by piece ("变成" = 变 + 成) becomes those pieces, and any other
 * word is one content word with its English from the glossary.
 */
export class Tokenizer {
  private readonly byFirst = new Map<string, Entry[]>();
  private readonly exact = new Map<string, LexToken | PartToken>();

  constructor(
    entries: Iterable<Entry>,
    private readonly options: TokenizerOptions = {},
  ) {
    for (const e of entries) {
      const phrase = normalizeText(e.phrase).trim();
      if (!phrase || this.exact.has(phrase)) continue; // the first meaning of a phrase wins
      this.exact.set(phrase, e.token);
      const first = phrase[0]!;
      const list = this.byFirst.get(first) ?? [];
      list.push({ phrase, token: e.token });
      this.byFirst.set(first, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.phrase.length - a.phrase.length);
  }

  /** The Chinese phrases of the vocabulary with a part-of-speech tag (the segmenter's user dictionary). */
  chinesePhrases(): { word: string; tag: string }[] {
    const out: { word: string; tag: string }[] = [];
    for (const [phrase, token] of this.exact) {
      if (!isCjk(phrase[0]) || /\s/.test(phrase)) continue;
      out.push({ word: phrase, tag: tagOf(token) });
    }
    return out;
  }

  tokenize(input: string): Token[] {
    const text = normalizeText(input);
    const out: Token[] = [];
    const segmenter = /[\u3400-\u9fff]/.test(text) ? this.options.segmenter?.() : undefined;
    /** Jieba words by start offset, for the Chinese run being read. */
    let words = new Map<number, { end: number; tag?: string }>();
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (/\s/.test(c) && c !== '\n') {
        i++;
        continue;
      }
      if (isCjk(c) && segmenter) {
        if (!words.has(i)) words = this.segmentRun(segmenter, text, i);
        const w = words.get(i)!;
        this.pushWord(out, text, i, w.end, w.tag);
        i = w.end;
        continue;
      }
      const match = this.matchAt(text, i, text.length);
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
      if (isCjk(c)) {
        // No segmenter: consecutive characters the vocabulary does not know are one word.
        let j = i + 1;
        while (j < text.length && isCjk(text[j]) && !this.matchAt(text, j, text.length)) j++;
        out.push(this.contentWord(text.slice(i, j)));
        i = j;
        continue;
      }
      i++; // other punctuation and symbols carry nothing
    }
    return out;
  }

  /** Cuts the Chinese run starting at `start` into words, keyed by their start offsets. */
  private segmentRun(segmenter: WordSegmenter, text: string, start: number): Map<number, { end: number; tag?: string }> {
    let end = start;
    while (end < text.length && isCjk(text[end])) end++;
    const out = new Map<number, { end: number; tag?: string }>();
    let at = start;
    for (const { word, tag } of segmenter.cut(text.slice(start, end))) {
      if (!word) continue;
      out.set(at, { end: at + word.length, tag });
      at += word.length;
    }
    // A segmenter that lost characters: the rest as single characters.
    for (; at < end; at++) out.set(at, { end: at + 1 });
    return out;
  }

  /** One segmenter word [start, end): its vocabulary token, its vocabulary pieces, or one content word. */
  private pushWord(out: Token[], text: string, start: number, end: number, tag: string | undefined): void {
    const word = text.slice(start, end);
    const known = this.exact.get(word);
    if (known) {
      out.push({ ...known, raw: word } as Token);
      return;
    }
    // The word's vocabulary pieces, with what lies between them as unknown stretches.
    const pieces: Token[] = [];
    let unknown = '';
    let i = start;
    while (i < end) {
      const m = this.matchAt(text, i, end);
      if (!m) {
        unknown += text[i];
        i++;
        continue;
      }
      if (unknown) pieces.push({ kind: 'other', raw: unknown });
      unknown = '';
      pieces.push({ ...m.token, raw: text.slice(i, m.end) } as Token);
      i = m.end;
    }
    if (unknown) pieces.push({ kind: 'other', raw: unknown });
    if (pieces.every((p) => p.kind !== 'other')) {
      out.push(...pieces);
      return;
    }
    // "面带微笑" holds a whole vocabulary word ("微笑"): split around it. "绿意盎然" or "热带雨林"
    // only hold single characters the vocabulary knows: one word, translated as a whole.
    if (pieces.some((p) => p.kind !== 'other' && KEEP_WHOLE_KINDS.has(p.kind) && [...p.raw].length >= 2)) {
      for (const p of pieces) out.push(p.kind === 'other' ? this.contentWord(p.raw) : p);
      return;
    }
    out.push(this.contentWord(word, tag));
  }

  /** A Chinese word outside the vocabulary, with its English from the glossary where there is one. */
  private contentWord(word: string, tag?: string): Token {
    const { gloss, missing } = glossCompound(word, this.options.glossary?.(), (piece) => {
      const known = this.exact.get(piece);
      return known && 'gloss' in known ? known.gloss : undefined;
    });
    return { kind: 'other', raw: word, ...(gloss ? { gloss } : {}), ...(missing.length ? { missing } : {}), ...(tag ? { tag } : {}) };
  }

  /** The longest vocabulary phrase at `i` that ends at or before `limit`. */
  private matchAt(text: string, i: number, limit: number): { token: LexToken | PartToken; end: number } | undefined {
    const candidates = this.byFirst.get(text[i]!);
    if (!candidates) return undefined;
    const ascii = isWordChar(text[i]);
    if (ascii && i > 0 && isWordChar(text[i - 1])) return undefined;
    for (const { phrase, token } of candidates) {
      if (i + phrase.length > limit || !text.startsWith(phrase, i)) continue;
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

/** A jieba part-of-speech tag for a vocabulary phrase. */
function tagOf(token: LexToken | PartToken): string {
  switch (token.kind) {
    case 'part':
    case 'garment':
    case 'scene':
    case 'face':
    case 'whole':
      return 'n';
    case 'colour':
      return 'a';
    case 'verb':
    case 'op':
      return 'v';
    case 'modifier':
      return 'd';
    default:
      return 'x';
  }
}

/** The text of some tokens as the user wrote it (Chinese without spaces, English with). */
export function textOf(tokens: readonly Token[]): string {
  let s = '';
  for (const tk of tokens) {
    if (s && isWordChar(s[s.length - 1]) && isWordChar(tk.raw[0])) s += ' ';
    s += tk.raw;
  }
  return s;
}

export type { LexiconEntry };
