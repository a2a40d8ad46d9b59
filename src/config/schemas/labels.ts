import { z } from 'zod';

/**
 * Synonyms map what people and models write ("shirt", "T恤", "背景") to canonical labels of any
 * segmentation model. Matching ignores case, spaces, underscores and hyphens.
 */
export const LabelsSchema = z.strictObject({
  /** Canonical label → words that mean it (English and Chinese). */
  synonyms: z.record(z.string().min(1), z.array(z.string().min(1))),
  /** Group words ("clothes", "衣服", "legs") → several canonical labels. */
  groups: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  /** Words that mean the whole image ("*"), accepted by commands whose labels rule has allowAll. */
  wholeImage: z.array(z.string().min(1)).default(['*']),
  /** Localised display names for labels, shown to users. */
  display: z.record(z.string().min(1), z.strictObject({ en: z.string(), 'zh-CN': z.string() })).default({}),
});
export type LabelsConfig = z.infer<typeof LabelsSchema>;
