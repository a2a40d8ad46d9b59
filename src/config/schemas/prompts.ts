import { z } from 'zod';

const PlanPromptSchema = z
  .object({
    /** System prompt; {commands} and {format} are filled in. */
    system: z.string().min(1),
    /** Answer format when the server has no structured output: a JSON array (thesis wire format). */
    formatArray: z.string().min(1),
    /** Answer format with structured output: the object form of the JSON schema. */
    formatObject: z.string().min(1),
    /** The earlier turn carrying the photo's labels: question, then the answer with {labels}. */
    labelsQuestion: z.string().min(1),
    labelsAnswer: z.string().min(1),
    labelsNone: z.string().min(1),
    /** The repair round's message; {reasons} lists why the first answer was rejected. */
    repair: z.string().min(1),
  })
  .strict();
export type PlanPrompt = z.infer<typeof PlanPromptSchema>;

const VisionPromptSchema = z.object({ system: z.string().min(1), user: z.string().min(1) }).strict();
export type VisionPrompt = z.infer<typeof VisionPromptSchema>;

export const PromptsSchema = z
  .object({
    templates: z
      .record(z.string().min(1), z.object({ en: PlanPromptSchema, 'zh-CN': PlanPromptSchema }).strict())
      .refine((t) => Object.keys(t).length > 0, { message: 'expected at least one template' }),
    vision: z.object({ en: VisionPromptSchema, 'zh-CN': VisionPromptSchema }).strict(),
  })
  .strict();
export type PromptsConfig = z.infer<typeof PromptsSchema>;
