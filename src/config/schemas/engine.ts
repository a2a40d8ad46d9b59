import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const EngineSchema = z.record(z.string(), z.unknown());
export type EngineConfig = z.infer<typeof EngineSchema>;
