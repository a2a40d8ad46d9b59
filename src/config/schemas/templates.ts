import { z } from 'zod';

/** A ControlNet unit attached to an SD WebUI request (structure preservation, as in the thesis). */
export const ControlNetUnitSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Preprocessor, e.g. "canny". */
  module: z.string().min(1),
  /** ControlNet model name as SD WebUI lists it. */
  model: z.string().min(1),
  weight: z.number().min(0).max(2).default(1),
  /** Preprocessor thresholds (canny low/high). */
  threshold_a: z.number().default(100),
  threshold_b: z.number().default(200),
  processor_res: z.number().int().positive().default(512),
  control_mode: z.string().default('Balanced'),
  pixel_perfect: z.boolean().default(false),
  guidance_start: z.number().min(0).max(1).default(0),
  guidance_end: z.number().min(0).max(1).default(1),
});
export type ControlNetUnit = z.infer<typeof ControlNetUnitSchema>;

/**
 * One generative template. `params` are backend request parameters (SD WebUI names) that enter
 * resolveParams as the "template" source; `region` says which part of the photo the backend edits.
 */
export const TemplateSchema = z.strictObject({
  description: z.string().optional(),
  /** mask: the command's labels; face: the Face label; whole: the entire photo. */
  region: z.enum(['mask', 'face', 'whole']).default('mask'),
  /** Text added after the command's prompt (quality words). */
  promptSuffix: z.string().default(''),
  negativePrompt: z.string().default(''),
  /** Padding around the mask's bounding box, in pixels of the backend's working size (thesis: 32 at 512). */
  padding: z.number().int().min(0).default(32),
  /** Feather radius inside the mask as a fraction of the photo's longer side (edge optimisation + feather ≤ 2%). */
  feather: z.number().min(0).max(0.02).default(0.006),
  /** Whether edge optimisation (thesis algorithm 5) grows the edit region into listed kept parts. */
  optimize: z.boolean().default(true),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  controlnet: ControlNetUnitSchema.optional(),
  /** Whether the ReActor face-swap always-on script runs with the second photo. */
  faceSwap: z.boolean().default(false),
  /**
   * Removal: fill the region with plausible background instead of following a prompt. The
   * embedded inpainting model (config/models.yaml `inpaint`) runs only these templates.
   */
  erase: z.boolean().default(false),
  /** Grow the edit region by this fraction of the longer side before generating (removal takes the object's edge and shadow too). */
  dilate: z.number().min(0).max(0.05).default(0),
});
export type Template = z.infer<typeof TemplateSchema>;

export const TemplatesSchema = z.strictObject({
  /** Parameters every template starts from (the "defaults" source of resolveParams). */
  defaults: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  templates: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case template name'), TemplateSchema).default({}),
  /** Local operations: feather radius as a fraction of the photo's longer side. */
  local: z
    .strictObject({
      feather: z.number().min(0).max(0.02).default(0.003),
      /** Blur sigma at strength 100, as a fraction of the photo's longer side. */
      blurSigmaAt100: z.number().positive().max(0.1).default(0.012),
    })
    .prefault({}),
});
export type TemplatesConfig = z.infer<typeof TemplatesSchema>;
