import { z } from 'zod';

/**
 * Where a model file comes from and how it is checked: the part every model card shares
 * (segmentation, inpainting, NSFW classifier), read by the one downloader.
 */
export const modelFileFields = {
  description: z.string().default(''),
  /** File name inside DATA_DIR/models. */
  file: z.string().min(1).regex(/^[^/\\]+$/, 'a file name without folders'),
  /** A local file used instead of DATA_DIR/models/<file> (absolute, or relative to the working directory). */
  path: z.string().min(1).nullish(),
  url: z.url().nullish(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256').nullish(),
  size: z.number().int().positive().nullish(),
  licence: z.string().optional(),
};
