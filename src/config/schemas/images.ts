import { z } from 'zod';

/** Limits applied to every incoming photo, before anything else touches it. */
export const ImagesSchema = z.strictObject({
  /** Largest accepted photo in pixels (decompression bombs are refused before decoding). */
  maxPixels: z.number().int().positive().default(50_000_000),
  /** Largest accepted file in bytes. */
  maxBytes: z.number().int().positive().default(50 * 1024 * 1024),
});
export type ImagesConfig = z.infer<typeof ImagesSchema>;
