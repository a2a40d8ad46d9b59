import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { detectTextLocale } from '../i18n/index.js';
import type { Command, CommandLanguage } from '../pipeline/commands/index.js';
import { UserFacingError, errorMessage } from '../util/errors.js';
import { scrubSecrets } from '../util/secrets.js';
import { agreement, isValidReply, summarize, type ItemOutcome, type ProfileSummary } from './metrics.js';
import type { ProfilePlanner } from './planners.js';
import type { EvalItem } from './set.js';

export interface EvalRunOptions {
  items: readonly EvalItem[];
  planners: readonly ProfilePlanner[];
  language: CommandLanguage;
  /** Requests in flight at once, over all profiles (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface EvalReport {
  items: number;
  definitions: Record<string, string>;
  profiles: ProfileSummary[];
  outcomes: ItemOutcome[];
}

/** How each figure is computed; printed with --json so a reader of results.json need not guess. */
export const DEFINITIONS: Record<string, string> = {
  validity:
    'share of items whose final reply (after the planner\'s own repair round) yields at least one command that validates against the photo\'s labels and has no rejected item; planner errors count as invalid',
  firstTryValidity: 'share of items valid without a repair round',
  repairRate: 'share of items that needed a repair round',
  errorRate: 'share of items where the planner failed (server error, timeout, refusal)',
  typeAgreement: 'among items with reference commands: the set of command types equals the reference\'s',
  labelAgreement: 'among items with reference commands: same command types and, per type, the same set of labels (united over its commands)',
  latencyMs: 'wall time of one plan() call including repair rounds; p50/p95 by nearest rank',
  cost: 'usage reported by the server × pricePer1kInput/Output of the profile',
};

/** Reference commands validated against the item's labels, merged and sorted like a plan. */
export function referenceCommands(item: EvalItem, language: CommandLanguage): Command[] | undefined {
  if (!item.reference) return undefined;
  const r = language.validate(item.reference, { labels: item.labels });
  if (r.rejected.length > 0) throw new UserFacingError('eval.reference_invalid', { id: item.id, detail: r.rejected[0]!.reason });
  return language.mergeAndSort(r.commands);
}

/** Runs every item through every profile's planner and scores the replies. */
export async function runEval(opts: EvalRunOptions): Promise<EvalReport> {
  const { items, planners, language } = opts;
  const references = new Map(items.map((item) => [item.id, referenceCommands(item, language)]));
  const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency ?? 4) });
  const total = items.length * planners.length;
  let done = 0;
  const outcomes: ItemOutcome[][] = planners.map(() => new Array<ItemOutcome>(items.length));
  opts.onProgress?.(0, total);

  planners.forEach((p, pi) =>
    items.forEach((item, ii) =>
      void queue.add(async () => {
        if (opts.signal?.aborted) return;
        outcomes[pi]![ii] = await evaluateOne(p, item, references.get(item.id), language, opts.signal);
        opts.onProgress?.(++done, total);
      }),
    ),
  );
  await queue.onIdle();
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
  return {
    items: items.length,
    definitions: DEFINITIONS,
    profiles: planners.map((p, pi) => summarize(p.profile, p.planner.name, outcomes[pi]!, p.prices)),
    outcomes: outcomes.flat(),
  };
}

async function evaluateOne(p: ProfilePlanner, item: EvalItem, reference: Command[] | undefined, language: CommandLanguage, signal?: AbortSignal): Promise<ItemOutcome> {
  const started = performance.now();
  try {
    const result = await p.planner.plan({
      instruction: item.instruction,
      labels: item.labels,
      history: item.history,
      locale: detectTextLocale(item.instruction),
      signal,
    });
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const valid = isValidReply(result);
    return {
      id: item.id,
      profile: p.profile,
      valid,
      firstTryValid: valid && !result.repaired,
      repaired: result.repaired,
      commands: result.commands.map((c) => language.toWire(c)),
      rejected: result.rejected.map((r) => r.reason),
      latencyMs,
      ...(result.usage ? { usage: result.usage } : {}),
      ...(reference ? { agreement: agreement(result.commands, reference) } : {}),
    };
  } catch (err) {
    return {
      id: item.id,
      profile: p.profile,
      error: err instanceof UserFacingError ? err.key : scrubSecrets(errorMessage(err)).slice(0, 300),
      valid: false,
      firstTryValid: false,
      repaired: false,
      commands: [],
      rejected: [],
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      ...(reference ? { agreement: { types: false, labels: false } } : {}),
    };
  }
}
