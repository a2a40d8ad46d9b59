import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const ModelsSchema = z.record(z.string(), z.unknown());
export type ModelsConfig = z.infer<typeof ModelsSchema>;
