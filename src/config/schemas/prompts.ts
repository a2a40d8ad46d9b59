import { z } from 'zod';

const PlanPromptSchema = z
  .strictObject({
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
  });
export type PlanPrompt = z.infer<typeof PlanPromptSchema>;

const VisionPromptSchema = z.strictObject({ system: z.string().min(1), user: z.string().min(1) });
export type VisionPrompt = z.infer<typeof VisionPromptSchema>;

export const PromptsSchema = z
  .strictObject({
    templates: z
      .record(z.string().min(1), z.strictObject({ en: PlanPromptSchema, 'zh-CN': PlanPromptSchema }))
      .refine((t) => Object.keys(t).length > 0, { message: 'expected at least one template' }),
    vision: z.strictObject({ en: VisionPromptSchema, 'zh-CN': VisionPromptSchema }),
  });
export type PromptsConfig = z.infer<typeof PromptsSchema>;
