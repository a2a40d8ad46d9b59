import { z } from 'zod';
import { InpaintModelsSchema } from './inpaint.js';

const Rgb = z.tuple([z.number(), z.number(), z.number()]);

/** Everything the runner needs to know about one segmentation model. */
export const ModelCardSchema = z.strictObject({
  description: z.string().default(''),
  /** File name inside DATA_DIR/models. */
  file: z.string().min(1).regex(/^[^/\\]+$/, 'a file name without folders'),
  /** A local file used instead of DATA_DIR/models/<file> (absolute, or relative to the working directory). */
  path: z.string().min(1).nullish(),
  url: z.url().nullish(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256').nullish(),
  size: z.number().int().positive().nullish(),
  licence: z.string().optional(),
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
