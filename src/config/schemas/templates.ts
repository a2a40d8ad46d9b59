import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const TemplatesSchema = z.record(z.string(), z.unknown());
export type TemplatesConfig = z.infer<typeof TemplatesSchema>;
