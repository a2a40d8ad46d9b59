import { z } from 'zod';

export const PARAM_SOURCES = ['command', 'user', 'template', 'defaults'] as const;

const SourceOrderSchema = z
  .array(z.enum(PARAM_SOURCES))
  .min(1)
  .refine((list) => new Set(list).size === list.length, 'each source at most once');

/**
 * Per-parameter source priority for backend requests (thesis algorithm 8): the first source in
 * the order that sets a parameter wins.
 */
export const ParamsSchema = z.strictObject({
  default: SourceOrderSchema.default(['command', 'user', 'template', 'defaults']),
  perParam: z.record(z.string().min(1), SourceOrderSchema).default({}),
});
export type ParamsConfig = z.infer<typeof ParamsSchema>;
