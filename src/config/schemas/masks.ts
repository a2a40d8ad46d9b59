import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const MasksSchema = z.record(z.string(), z.unknown());
export type MasksConfig = z.infer<typeof MasksSchema>;
