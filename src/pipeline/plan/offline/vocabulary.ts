import type { LabelsConfig } from '../../../config/schemas/labels.js';
import { builtinLexicon, type LexToken } from './lexicon.js';
import type { PartToken } from './tokenize.js';

/** Dictionary: part words from config/labels.yaml (with an English gloss where one is known), then the lexicon. */
export function buildVocabulary(labels: LabelsConfig): { phrase: string; token: PartToken | LexToken }[] {
  const builtin = builtinLexicon();
  const glossOf = new Map<string, string>();
  for (const e of builtin) if (e.token.kind === 'word') glossOf.set(e.phrase, e.token.gloss);
  const parts: { phrase: string; token: PartToken }[] = [];
  const addPart = (phrase: string, englishGloss?: string) => {
    const variants = new Set([phrase, phrase.replace(/-/g, ' '), phrase.replace(/-/g, '')]);
    for (const v of variants) {
      const gloss = /[a-z]/i.test(v) ? undefined : (glossOf.get(v) ?? englishGloss);
      parts.push({ phrase: v, token: { kind: 'part', word: phrase, ...(gloss ? { gloss } : {}) } });
    }
  };
  // Phrases the lexicon gives another meaning (the "person" pronoun, "whole image" words) keep it.
  const reserved = new Set(builtin.filter((e) => e.token.kind === 'me' || e.token.kind === 'whole').map((e) => e.phrase));
  const words: [string, string | undefined][] = [];
  for (const [label, syns] of Object.entries(labels.synonyms)) {
    const english = labels.display[label]?.en ?? label.toLowerCase();
    words.push([label.toLowerCase(), english]);
    for (const s of syns) words.push([s.toLowerCase(), english]);
  }
  for (const [group, members] of Object.entries(labels.groups)) {
    words.push([group.toLowerCase(), members.length > 2 ? 'outfit' : undefined]);
  }
  for (const [label, names] of Object.entries(labels.display)) words.push([names.en.toLowerCase(), names.en], [names['zh-CN'].toLowerCase(), label]);
  for (const [w, gloss] of words) if (!reserved.has(w)) addPart(w, gloss);
  return [...builtin.filter((e) => e.token.kind === 'me' || e.token.kind === 'whole'), ...parts, ...builtin];
}
