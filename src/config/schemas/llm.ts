import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const LlmSchema = z.record(z.string(), z.unknown());
export type LlmConfig = z.infer<typeof LlmSchema>;
