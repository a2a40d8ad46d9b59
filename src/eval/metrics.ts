import type { Command, WireCommand } from '../pipeline/commands/index.js';

/** Token counts of one reply (prompt + completion), when the server reports usage. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** What one profile did with one item. */
export interface ItemOutcome {
  id: string;
  profile: string;
  /** The planner threw (server down, timeout, refusal): counts as invalid. */
  error?: string;
  /** The thesis metric, see `isValidReply`. */
  valid: boolean;
  /** Valid without a repair round. */
  firstTryValid: boolean;
  repaired: boolean;
  commands: WireCommand[];
  rejected: string[];
  latencyMs: number;
  usage?: Usage;
  /** Present when the item has reference commands. */
  agreement?: Agreement;
}

export interface Agreement {
  /** Same set of command types as the reference. */
  types: boolean;
  /** Same command types, and for each type the same set of labels (union over its commands). */
  labels: boolean;
}

export interface ProfileSummary {
  profile: string;
  /** The planner's own name, e.g. "openai:gpt-4o-mini" or "offline". */
  planner: string;
  items: number;
  /** Share of items whose reply is valid (`isValidReply`), 0..1. */
  validity: number;
  firstTryValidity: number;
  /** Share of items that needed a repair round. */
  repairRate: number;
  /** Share of items where the planner failed outright (no reply). */
  errorRate: number;
  /** Items with reference commands (the denominator of the agreement rates). */
  referenced: number;
  typeAgreement: number | null;
  labelAgreement: number | null;
  latencyMs: { p50: number; p95: number; mean: number };
  /** Summed over all items; null when the server never reported usage. */
  usage: Usage | null;
  /** From the profile's pricePer1kInput/Output; null without prices or usage. */
  cost: number | null;
}

/**
 * Validity (the thesis metric): a reply is valid when, after the planner's own repair round,
 * it yields at least one command that passes validation against the photo's labels and nothing
 * in it was rejected. A planner error (no reply) is invalid.
 */
export function isValidReply(result: { commands: readonly unknown[]; rejected: readonly unknown[] }): boolean {
  return result.commands.length > 0 && result.rejected.length === 0;
}

/** Command type → labels named by its commands (any string-array argument, united). */
function labelsByType(commands: readonly Command[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of commands) {
    const set = out.get(c.command) ?? new Set<string>();
    for (const v of Object.values(c.args)) {
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) for (const l of v as string[]) set.add(l);
    }
    out.set(c.command, set);
  }
  return out;
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Agreement of validated commands with the (validated) reference commands. */
export function agreement(predicted: readonly Command[], reference: readonly Command[]): Agreement {
  const p = labelsByType(predicted);
  const r = labelsByType(reference);
  const types = sameSet(new Set(p.keys()), new Set(r.keys()));
  const labels = types && [...r].every(([type, set]) => sameSet(set, p.get(type)!));
  return { types, labels };
}

/** Nearest-rank percentile (q in 0..1) of unsorted values; 0 for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export interface Prices {
  pricePer1kInput?: number;
  pricePer1kOutput?: number;
}

export function summarize(profile: string, planner: string, outcomes: readonly ItemOutcome[], prices: Prices = {}): ProfileSummary {
  const n = outcomes.length;
  const share = (pred: (o: ItemOutcome) => boolean, of: readonly ItemOutcome[] = outcomes) => (of.length === 0 ? 0 : of.filter(pred).length / of.length);
  const referenced = outcomes.filter((o) => o.agreement !== undefined);
  const latencies = outcomes.map((o) => o.latencyMs);
  const withUsage = outcomes.filter((o) => o.usage && o.usage.promptTokens + o.usage.completionTokens > 0);
  const usage =
    withUsage.length === 0
      ? null
      : withUsage.reduce<Usage>((acc, o) => ({ promptTokens: acc.promptTokens + o.usage!.promptTokens, completionTokens: acc.completionTokens + o.usage!.completionTokens }), {
          promptTokens: 0,
          completionTokens: 0,
        });
  const priced = prices.pricePer1kInput !== undefined || prices.pricePer1kOutput !== undefined;
  const cost =
    usage && priced ? (usage.promptTokens / 1000) * (prices.pricePer1kInput ?? 0) + (usage.completionTokens / 1000) * (prices.pricePer1kOutput ?? 0) : null;
  return {
    profile,
    planner,
    items: n,
    validity: share((o) => o.valid),
    firstTryValidity: share((o) => o.firstTryValid),
    repairRate: share((o) => o.repaired),
    errorRate: share((o) => o.error !== undefined),
    referenced: referenced.length,
    typeAgreement: referenced.length === 0 ? null : share((o) => o.agreement!.types, referenced),
    labelAgreement: referenced.length === 0 ? null : share((o) => o.agreement!.labels, referenced),
    latencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), mean: n === 0 ? 0 : latencies.reduce((a, b) => a + b, 0) / n },
    usage,
    cost: cost === null ? null : Math.round(cost * 1e6) / 1e6,
  };
}
