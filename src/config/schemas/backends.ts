import { z } from 'zod';

export const GENERATIVE_BACKENDS = ['sd-webui', 'openai'] as const;
export type GenerativeBackendName = (typeof GENERATIVE_BACKENDS)[number];

/** Image backends: the generative fallback chain and per-backend settings (URLs and keys come from the environment). */
export const BackendsSchema = z.strictObject({
  /** Tried in order; backends that are not configured (no URL / key in the environment) are skipped. */
  chain: z.array(z.enum(GENERATIVE_BACKENDS)).min(1).default(['sd-webui', 'openai']),
  sdWebui: z
    .strictObject({
      /** Long side of the crop sent to SD WebUI (multiple of 64). */
      workingSize: z.number().int().min(256).max(2048).multipleOf(64).default(512),
      timeoutMs: z.number().int().positive().default(180_000),
      healthTimeoutMs: z.number().int().positive().default(5_000),
      progressIntervalMs: z.number().int().positive().default(1_000),
      /** ReActor (roop successor) always-on script name and swap model. */
      reactor: z
        .strictObject({
          script: z.string().default('reactor'),
          model: z.string().default('inswapper_128.onnx'),
          restoreFace: z.string().default('CodeFormer'),
          device: z.enum(['CPU', 'CUDA']).default('CUDA'),
        })
        .prefault({}),
    })
    .prefault({}),
  openai: z
    .strictObject({
      model: z.enum(['gpt-image-1', 'dall-e-2']).default('gpt-image-1'),
      /** gpt-image-1 quality. */
      quality: z.enum(['low', 'medium', 'high', 'auto']).default('medium'),
      timeoutMs: z.number().int().positive().default(180_000),
      maxRetries: z.number().int().min(0).max(5).default(1),
    })
    .prefault({}),
});
export type BackendsConfig = z.infer<typeof BackendsSchema>;
