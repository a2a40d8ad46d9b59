import { z } from 'zod';
import { modelFileFields } from './model-file.js';
import { InpaintModelsSchema } from './inpaint.js';

const Rgb = z.tuple([z.number(), z.number(), z.number()]);

/** Everything the runner needs to know about one segmentation model. */
export const ModelCardSchema = z.strictObject({
  ...modelFileFields,
  input: z.strictObject({
    name: z.string().min(1),
    width: z.number().int().min(8).max(4096),
    height: z.number().int().min(8).max(4096),
    layout: z.enum(['NCHW', 'NHWC']),
    /** Multiplier applied to 0..255 pixel values before mean/std (1/255 for most models). */
    scale: z.number().positive().default(1 / 255),
    mean: Rgb.default([0, 0, 0]),
    std: Rgb.default([1, 1, 1]),
  }),
  output: z.strictObject({
    name: z.string().min(1),
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    /** Only argmax is taken, so activations never change the result; kept to document the model. */
    activation: z.enum(['none', 'softmax', 'sigmoid']).default('none'),
  }),
  labels: z.array(z.string().min(1)).min(2).max(255),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

export const ModelsSchema = z
  .strictObject({
    default: z.string().min(1),
    threads: z.number().int().min(1).max(64).default(2),
    remote: z
      .strictObject({ url: z.url().nullish(), timeoutMs: z.number().int().positive().default(30_000) })
      .default({ url: null, timeoutMs: 30_000 }),
    cards: z.record(z.string().regex(/^[a-z0-9_.-]+$/i), ModelCardSchema),
    /** Embedded inpainting models for `erase` (object removal without a generator). */
    inpaint: InpaintModelsSchema.prefault({}),
  })
  .refine((m) => Object.prototype.hasOwnProperty.call(m.cards, m.default), {
    message: 'expected "default" to name one of the cards',
    path: ['default'],
  });
export type ModelsConfig = z.infer<typeof ModelsSchema>;
