import type { LabelsConfig } from '../../../config/schemas/labels.js';
import type { VocabularyConfig } from '../../../config/schemas/vocabulary.js';
import { lexiconFromConfig, type LexToken } from './lexicon.js';
import type { PartToken } from './tokenize.js';

/**
 * The interpreter's dictionary: the person and whole-image words of the vocabulary, then the part
 * words of config/labels.yaml (Chinese ones with an English gloss: the vocabulary's, else the
 * label's English display name), then the rest of the vocabulary.
 */
export function buildVocabulary(labels: LabelsConfig, vocabulary: VocabularyConfig): { phrase: string; token: PartToken | LexToken }[] {
  const lexicon = lexiconFromConfig(vocabulary);
  const glossOf = new Map<string, string>();
  for (const e of lexicon) {
    if ((e.token.kind === 'word' || e.token.kind === 'garment') && !glossOf.has(e.phrase)) glossOf.set(e.phrase, e.token.gloss);
  }
  const parts: { phrase: string; token: PartToken }[] = [];
  const addPart = (phrase: string, englishGloss?: string) => {
    const variants = new Set([phrase, phrase.replace(/-/g, ' '), phrase.replace(/-/g, '')]);
    for (const v of variants) {
      const gloss = /[a-z]/i.test(v) && !/[\u3400-\u9fff]/.test(v) ? undefined : (glossOf.get(v) ?? englishGloss);
      parts.push({ phrase: v, token: { kind: 'part', word: phrase, ...(gloss ? { gloss } : {}) } });
    }
  };
  // Phrases the vocabulary gives another meaning (the "person" pronoun, "whole image" words) keep it.
  const reserved = new Set(lexicon.filter((e) => e.token.kind === 'me' || e.token.kind === 'whole' || e.token.kind === 'rest').map((e) => e.phrase));
  const words: [string, string | undefined][] = [];
  for (const [label, syns] of Object.entries(labels.synonyms)) {
    const english = labels.display[label]?.en ?? label.toLowerCase();
    words.push([label.toLowerCase(), english]);
    for (const s of syns) words.push([s.toLowerCase(), english]);
  }
  for (const [group, members] of Object.entries(labels.groups)) {
    words.push([group.toLowerCase(), members.length > 2 ? 'outfit' : glossOf.get(group.toLowerCase())]);
  }
  for (const [label, names] of Object.entries(labels.display)) words.push([names.en.toLowerCase(), names.en], [names['zh-CN'].toLowerCase(), label]);
  for (const [w, gloss] of words) if (!reserved.has(w)) addPart(w, gloss);
  const first = lexicon.filter((e) => e.token.kind === 'me' || e.token.kind === 'whole' || e.token.kind === 'rest');
  return [...first, ...parts, ...lexicon];
}
