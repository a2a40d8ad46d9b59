import { z } from 'zod';

// Placeholder until the owning module defines this section precisely.
export const BackendsSchema = z.record(z.string(), z.unknown());
export type BackendsConfig = z.infer<typeof BackendsSchema>;
