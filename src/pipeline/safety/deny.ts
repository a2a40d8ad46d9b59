import type { DenyEntry, SafetyLevel } from '../../config/schemas/safety.js';

/**
 * The deny list: words and phrases refused before planning, in English and Chinese. Matching is
 * about what people type to get around a list — full-width letters, capitals, digits for letters
 * ("p0rn"), separators between letters ("n.u.d.e", "n u d e"), spaces inside Chinese words
 * ("裸 体") — while English still matches whole words only ("Middlesex" is not "sex").
 */

const ZERO_WIDTH = /[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]/g;
const COMBINING = /\p{M}+/gu;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;

/** NFKC, lower case, no zero-width characters or accents, every run of non-letters one space. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(ZERO_WIDTH, '')
    .normalize('NFKD')
    .replace(COMBINING, '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Runs of three or more single letters separated by spaces ("n u d e") joined into a word. */
function joinSpelledOut(normalized: string): string {
  return normalized.replace(/(?<![\p{L}\p{N}])(?:[a-z0-9] ){2,}[a-z0-9](?![\p{L}\p{N}])/gu, (run) => run.replace(/ /g, ''));
}

function leet(text: string): string {
  return text.replace(/[013457@$]/g, (c) => LEET[c] ?? c);
}

/** The forms of a text the list is matched against. */
function variants(text: string): string[] {
  const raw = text.normalize('NFKC').toLowerCase().replace(ZERO_WIDTH, '');
  const forms = new Set<string>();
  for (const base of [raw, leet(raw)]) {
    const n = normalizeText(base);
    forms.add(n);
    forms.add(joinSpelledOut(n));
  }
  return [...forms];
}

/** Chinese text without anything between the characters. */
function squashHan(normalized: string): string {
  return normalized.replace(/\s+/g, '');
}

interface CompiledTerm {
  category: string;
  pattern?: RegExp;
  han?: string;
}

/** A deny list compiled for one level. */
export class DenyList {
  private readonly terms: CompiledTerm[] = [];

  constructor(entries: readonly DenyEntry[], level: SafetyLevel) {
    if (level === 'off') return;
    for (const entry of entries) {
      if (entry.level === 'strict' && level !== 'strict') continue;
      for (const word of [...entry.en, ...entry['zh-CN']]) {
        const n = normalizeText(word);
        if (!n) continue;
        if (HAN.test(n)) this.terms.push({ category: entry.category, han: squashHan(n) });
        else this.terms.push({ category: entry.category, pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escape(n).replace(/ /g, ' ')}(?![\\p{L}\\p{N}])`, 'u') });
      }
    }
  }

  get size(): number {
    return this.terms.length;
  }

  /** The category of the first entry the text contains, or undefined. The matched words are never returned. */
  match(text: string): string | undefined {
    if (!text || this.terms.length === 0) return undefined;
    const forms = variants(text);
    const han = forms.map(squashHan);
    for (const term of this.terms) {
      if (term.han ? han.some((f) => f.includes(term.han!)) : forms.some((f) => term.pattern!.test(f))) return term.category;
    }
    return undefined;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
