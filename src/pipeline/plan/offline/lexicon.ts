/**
 * The offline interpreter's vocabulary as tokens. The words themselves are data
 * (config/vocabulary.yaml, English + Simplified Chinese); part names come from
 * config/labels.yaml through CommandLanguage.matchLabel. Every entry is a phrase → token; the
 * tokenizer takes the longest phrase at each position, so "black and white" beats "black",
 * "漂亮" beats "亮" and "美白" beats "白".
 *
 * `gloss` is the English a Chinese phrase contributes to an inpainting prompt.
 */
import type { GrammarEntry, VocabularyConfig } from '../../../config/schemas/vocabulary.js';

export type Direction = 'up' | 'down';
export type AdjustDim = 'brightness' | 'contrast' | 'saturation';

export type LexToken =
  | { kind: 'verb'; verb: 'change' | 'paint' | 'place' | 'wear' | 'give' | 'use' }
  | { kind: 'marker'; reverse?: boolean }
  | { kind: 'op'; op: 'cutout' | 'remove' | 'transparent' | 'grayscale' | 'blur' | 'beauty' | 'swap_face' }
  | { kind: 'bokeh' }
  | { kind: 'adjust'; dim: AdjustDim; dir?: Direction }
  | { kind: 'modifier'; dir?: Direction; amount?: 'strong' | 'slight' }
  | { kind: 'colour'; hex: string; gloss: string }
  | { kind: 'face'; gloss: string; more?: string }
  | { kind: 'scene'; gloss: string }
  | { kind: 'garment'; labels: string[]; gloss: string }
  | { kind: 'whole' }
  | { kind: 'it' }
  | { kind: 'me' }
  | { kind: 'rest' }
  | { kind: 'source' }
  | { kind: 'gradient' }
  | { kind: 'except' }
  | { kind: 'ask' }
  | { kind: 'neg' }
  | { kind: 'keep' }
  | { kind: 'too' }
  | { kind: 'sep' }
  | { kind: 'and' }
  | { kind: 'filler' }
  | { kind: 'word'; gloss: string };

export interface LexiconEntry {
  phrase: string;
  token: LexToken;
}

function grammarToken(e: GrammarEntry): LexToken {
  const { en: _en, zh: _zh, ...token } = e;
  return token as LexToken;
}

/**
 * The vocabulary section as phrase → token entries, in the order that settles a phrase listed
 * twice (the first meaning wins): grammar, colours, face, scenes, garments, words.
 */
export function lexiconFromConfig(vocabulary: VocabularyConfig): LexiconEntry[] {
  const out: LexiconEntry[] = [];
  const add = (e: { en: string[]; zh: string[] }, token: LexToken) => {
    for (const phrase of [...e.en, ...e.zh]) out.push({ phrase: phrase.toLowerCase(), token });
  };
  for (const e of vocabulary.grammar) add(e, grammarToken(e));
  for (const e of vocabulary.colours) add(e, { kind: 'colour', hex: e.hex, gloss: e.gloss });
  for (const e of vocabulary.face) add(e, e.more ? { kind: 'face', gloss: e.gloss, more: e.more } : { kind: 'face', gloss: e.gloss });
  for (const e of vocabulary.scenes) add(e, { kind: 'scene', gloss: e.gloss });
  for (const e of vocabulary.garments) add(e, { kind: 'garment', labels: Array.isArray(e.label) ? e.label : [e.label], gloss: e.gloss });
  for (const e of vocabulary.words) add(e, { kind: 'word', gloss: e.gloss });
  return out;
}
