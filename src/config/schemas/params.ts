import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const ParamsSchema = z.record(z.string(), z.unknown());
export type ParamsConfig = z.infer<typeof ParamsSchema>;
