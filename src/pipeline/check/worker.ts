import { regionDeltas, type DeltaTask, type RegionDelta } from './delta-e.js';

/** Piscina worker of the result check: ΔE per edit region on working-size copies. */
export default function deltaWorker(task: DeltaTask): RegionDelta[] {
  return regionDeltas(task);
}
