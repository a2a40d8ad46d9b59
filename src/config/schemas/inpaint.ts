import { z } from 'zod';
import { modelFileFields } from './model-file.js';

const TensorType = z.enum(['uint8', 'float32']);
const Layout = z.enum(['NCHW', 'NHWC']);

/**
 * One embedded inpainting model (object removal without a generator), described the way its
 * runner needs it: where to get it, its input size, and how pixels become tensors and back.
 * Values in tensors are `pixel × scale + offset` for inputs and `(value − offset) / scale` back.
 */
export const InpaintCardSchema = z.strictObject({
  ...modelFileFields,
  /** Where the card's facts (I/O names, ranges, mask polarity) come from. */
  source: z.string().optional(),
  input: z.strictObject({
    /** The size the model works at (fixed-size models), or the longer side to send (dynamic ones). */
    width: z.number().int().min(16).max(4096),
    height: z.number().int().min(16).max(4096),
    /** Whether the model accepts any size (the crop keeps its aspect ratio, longer side = width). */
    dynamic: z.boolean().default(false),
    multipleOf: z.number().int().min(1).max(256).default(8),
  }),
  image: z.strictObject({
    name: z.string().min(1),
    type: TensorType,
    layout: Layout.default('NCHW'),
    scale: z.number().positive().default(1),
    offset: z.number().default(0),
  }),
  mask: z.strictObject({
    name: z.string().min(1),
    type: TensorType,
    layout: Layout.default('NCHW'),
    /** Tensor value for pixels to fill, and for pixels to keep. */
    hole: z.number(),
    keep: z.number(),
  }),
  output: z.strictObject({
    name: z.string().min(1),
    type: TensorType,
    layout: Layout.default('NCHW'),
    scale: z.number().positive().default(1),
    offset: z.number().default(0),
  }),
});
export type InpaintCard = z.infer<typeof InpaintCardSchema>;

export const InpaintModelsSchema = z
  .object({
    /** The card `erase` uses; null turns the embedded model off. */
    default: z.string().min(1).nullable().default(null),
    /** onnxruntime intra-op threads. */
    threads: z.number().int().min(1).max(64).default(2),
    /** on-first-use: the first erase downloads the model (sha256-checked, resumable); manual: `models fetch` only. */
    download: z.enum(['on-first-use', 'manual']).default('on-first-use'),
    cards: z.record(z.string().regex(/^[a-z0-9_.-]+$/i), InpaintCardSchema).default({}),
  })
  .refine((m) => m.default === null || Object.prototype.hasOwnProperty.call(m.cards, m.default), {
    message: 'expected "default" to name one of the inpainting cards (or null)',
    path: ['default'],
  });
export type InpaintModelsConfig = z.infer<typeof InpaintModelsSchema>;
