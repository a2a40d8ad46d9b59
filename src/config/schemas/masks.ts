import { z } from 'zod';

export const MasksSchema = z.strictObject({
  optimize: z.boolean().default(true),
  erode: z
    .strictObject({
      labels: z.array(z.string().min(1)).default(['Hair', 'Upper-clothes', 'Dress']),
      widthDivisor: z.number().positive().default(80),
      strength: z.record(z.string().min(1), z.number().int().min(0)).default({}),
    })
    .default({ labels: ['Hair', 'Upper-clothes', 'Dress'], widthDivisor: 80, strength: {} }),
  /** "segment": a point selects its connected segment; "label": every pixel of the label under it. */
  points: z.enum(['segment', 'label']).default('segment'),
  featherRadius: z.number().min(0).max(256).default(4),
});
export type MasksConfig = z.infer<typeof MasksSchema>;
