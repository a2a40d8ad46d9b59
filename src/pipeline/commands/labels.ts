import type { LabelsConfig } from '../../config/schemas/labels.js';

/** The whole image, accepted where a command's labels rule has `allowAll`. */
export const WHOLE_IMAGE = '*';

/** segformer_b2_clothes order (DESIGN.md): the labels allowed when the photo's labels are not given. */
export const DEFAULT_MODEL_LABELS: readonly string[] = [
  'Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt',
  'Left-shoe', 'Right-shoe', 'Face', 'Left-leg', 'Right-leg', 'Left-arm', 'Right-arm', 'Bag', 'Scarf',
];

/** Matching ignores case, width, spaces, underscores, hyphens and dots. */
export function normalizeLabelWord(word: string): string {
  return word
    .normalize('NFKC')
    .toLowerCase()
    .replace(/^\s*(?:the|my|his|her|their|its|a|an)\s+/, '')
    .replace(/[\s_\-‐‑–—·.]+/g, '');
}

export type LabelMatch =
  | { kind: 'labels'; labels: string[] }
  | { kind: 'whole' }
  | { kind: 'unknown' };

/**
 * Resolves words to canonical labels: canonical names first, then synonyms, then groups
 * (config/labels.yaml). The first meaning configured for a word wins.
 */
export class LabelMatcher {
  private readonly words = new Map<string, string[]>();
  private readonly whole = new Set<string>();

  constructor(cfg: LabelsConfig, modelLabels: readonly string[] = DEFAULT_MODEL_LABELS) {
    const add = (word: string, labels: string[]) => {
      const key = normalizeLabelWord(word);
      if (key && !this.words.has(key)) this.words.set(key, labels);
    };
    for (const label of modelLabels) add(label, [label]);
    for (const label of Object.keys(cfg.synonyms)) add(label, [label]);
    for (const [label, words] of Object.entries(cfg.synonyms)) for (const w of words) add(w, [label]);
    for (const [group, labels] of Object.entries(cfg.groups)) add(group, [...labels]);
    for (const w of [WHOLE_IMAGE, ...(cfg.wholeImage ?? [])]) this.whole.add(normalizeLabelWord(w) || WHOLE_IMAGE);
  }

  /** What a word means, independent of any photo. */
  resolve(word: string): LabelMatch {
    const key = normalizeLabelWord(word) || word.trim();
    if (this.whole.has(key)) return { kind: 'whole' };
    const direct = this.words.get(key);
    if (direct) return { kind: 'labels', labels: [...direct] };
    // Plurals: "hats", "bags", "dresses".
    for (const cut of key.endsWith('es') ? [1, 2] : key.endsWith('s') ? [1] : []) {
      const found = this.words.get(key.slice(0, -cut));
      if (found) return { kind: 'labels', labels: [...found] };
    }
    return { kind: 'unknown' };
  }

  /**
   * The canonical labels a word means among `allowed` (matching the allowed names themselves
   * first, so labels of other models work without synonyms). `absent` lists labels the word
   * means that are not allowed.
   */
  resolveAmong(word: string, allowed: readonly string[]): { kind: 'labels'; labels: string[]; absent: string[] } | { kind: 'whole' } | { kind: 'unknown' } {
    const key = normalizeLabelWord(word) || word.trim();
    const direct = allowed.find((a) => normalizeLabelWord(a) === key);
    if (direct !== undefined) return { kind: 'labels', labels: [direct], absent: [] };
    const match = this.resolve(word);
    if (match.kind !== 'labels') return match;
    const labels: string[] = [];
    const absent: string[] = [];
    for (const label of match.labels) {
      const present = allowed.find((a) => normalizeLabelWord(a) === normalizeLabelWord(label));
      if (present !== undefined) labels.push(present);
      else absent.push(label);
    }
    return { kind: 'labels', labels, absent };
  }

  /** Canonical spelling of a list of labels given by a person (`--labels background,hair`). */
  canonicalList(labels: readonly string[]): string[] {
    const out: string[] = [];
    for (const raw of labels) {
      const word = raw.trim();
      if (!word) continue;
      const m = this.resolve(word);
      const label = m.kind === 'labels' && m.labels.length === 1 ? m.labels[0]! : word;
      if (!out.includes(label)) out.push(label);
    }
    return out;
  }
}
