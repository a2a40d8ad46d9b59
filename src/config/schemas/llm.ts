import { z } from 'zod';

/** One OpenAI-compatible server + model + how to prompt it. */
export const LlmProfileSchema = z
  .strictObject({
    baseURL: z.url().optional(),
    model: z.string().min(1),
    /** Name of the environment variable holding the key (never the key itself). */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    /** Whether the server supports response_format json_schema (strict). */
    structuredOutput: z.boolean().default(false),
    /** Template name in config/prompts.yaml. */
    promptTemplate: z.string().min(1).default('thesis'),
    temperature: z.number().min(0).max(2).default(0),
    timeoutMs: z.number().int().positive().default(30_000),
    maxRetries: z.number().int().min(0).max(10).default(2),
    maxTokens: z.number().int().positive().default(800),
    /** Price per 1,000 prompt / completion tokens (any currency), for `eval` cost figures. */
    pricePer1kInput: z.number().min(0).optional(),
    pricePer1kOutput: z.number().min(0).optional(),
  });
export type LlmProfile = z.infer<typeof LlmProfileSchema>;

export const LlmSchema = z
  .strictObject({
    default: z.string().min(1).default('openai'),
    profiles: z.record(z.string().regex(/^[a-z0-9_.-]+$/i, 'a profile name of letters, digits, ".", "_" or "-"'), LlmProfileSchema),
    maxRetryAfterMs: z.number().int().min(0).default(20_000),
    vision: z
      .strictObject({
        profile: z.string().min(1).default('openai'),
        model: z.string().min(1).nullish(),
        maxSide: z.number().int().min(64).max(2048).default(768),
        jpegQuality: z.number().int().min(30).max(100).default(82),
        maxSuggestions: z.number().int().min(1).max(10).default(4),
        timeoutMs: z.number().int().positive().default(45_000),
      })
      .default({ profile: 'openai', model: null, maxSide: 768, jpegQuality: 82, maxSuggestions: 4, timeoutMs: 45_000 }),
  })
  .refine((c) => Object.prototype.hasOwnProperty.call(c.profiles, c.default), {
    message: 'expected "default" to name one of the profiles',
    path: ['default'],
  });
export type LlmConfig = z.infer<typeof LlmSchema>;
