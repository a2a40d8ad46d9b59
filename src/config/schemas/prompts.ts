import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const PromptsSchema = z.record(z.string(), z.unknown());
export type PromptsConfig = z.infer<typeof PromptsSchema>;
