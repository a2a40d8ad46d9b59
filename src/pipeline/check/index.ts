import type { EnvSettings } from '../../config/env.js';
import type { LlmConfig } from '../../config/schemas/llm.js';
import type { CheckMode, SafetyConfig } from '../../config/schemas/safety.js';
import { decodeImage, DEFAULT_LIMITS, type ImageLimits, type RawImage } from '../../core/image-io.js';
import type { Command } from '../../core/commands.js';
import type { Locale } from '../../i18n/index.js';
import { resolveVisionProfile } from '../../providers/llm/profiles.js';
import { VisionClient } from '../../providers/llm/vision.js';
import { childLogger, type Logger } from '../../util/logger.js';
import type { LabelMap } from '../../core/types.js';
import type { AppliedRegion } from '../execute/index.js';
import { buildMask } from '../mask/index.js';
import { checkLocally, type LocalCheck } from './local.js';
import { VisionCheck, type VisionAsker, type VisionCheckResult } from './vision.js';

export { checkLocally, closeCheckPool, type LocalCheck, type LocalCheckOptions, type RegionResult } from './local.js';
export { VisionCheck, VISION_CHECK_SCHEMA, cleanReason, describeForCheck, type VisionAsker, type VisionCheckResult, type VisionVerdict } from './vision.js';
export { planRetry, type RetryContext, type RetryPlan } from './retry.js';

/** The verdict on one executed command. */
export interface CommandCheck {
  /** Index of the command in the job. */
  index: number;
  command: Command;
  passed: boolean;
  /** `unchanged`: the local check saw no change in its region; `not_shown`: the vision model did not see it. */
  failure?: 'unchanged' | 'not_shown';
  /** Mean ΔE in the region and the bar it had to reach (local check). */
  deltaE?: number;
  minDeltaE?: number;
  /** The vision model's sentence (its verdict's reason), already cleaned. */
  reason?: string;
}

/** Everything one job's check found, and what it cost. */
export interface CheckReport {
  mode: CheckMode;
  commands: CommandCheck[];
  /** Pixels outside every edit region changed: a compositing bug, logged as an error. */
  outside?: LocalCheck['outside'];
  localMs?: number;
  vision?: Omit<VisionCheckResult, 'verdicts'>;
}

export interface CheckRequest {
  mode: CheckMode;
  /** The photo the job edited, as stored (encoded). */
  before: Buffer;
  /** The result, raw (for the local check) and encoded (for the vision model). */
  after: RawImage;
  afterEncoded?: Buffer;
  /** Regions of the applied commands (ExecuteResult.regions). */
  regions: readonly AppliedRegion[] | undefined;
  /**
   * The label map the job used: when an executor reports no regions, each command's region is
   * derived from its labels (ΔE only: the exact "nothing outside changed" assertion needs the
   * executor's own feathered regions).
   */
  labelMap?: LabelMap;
  /** The applied commands with their index in the job (commands without a region are only seen by the vision model). */
  applied: readonly { index: number; command: Command }[];
  locale: Locale;
  signal?: AbortSignal;
}

/**
 * The result check after every job: the local pixel check (mode local or vision) and the vision
 * model (mode vision, when VISION_MODEL is configured), merged into one verdict per command.
 */
export class ResultChecker {
  private readonly log: Logger;

  constructor(
    private readonly opts: {
      config: SafetyConfig['check'];
      vision?: VisionCheck;
      limits?: ImageLimits;
      logger?: Logger;
    },
  ) {
    this.log = opts.logger ?? childLogger({ module: 'check' });
  }

  /** Whether `vision` mode has a model behind it. */
  get visionModel(): string | undefined {
    return this.opts.vision?.model;
  }

  async check(req: CheckRequest): Promise<CheckReport> {
    const report: CheckReport = { mode: req.mode, commands: [] };
    if (req.mode === 'off' || req.applied.length === 0) return report;
    const verdicts = new Map<number, CommandCheck>(req.applied.map((a) => [a.index, { index: a.index, command: a.command, passed: true }]));

    const exact = req.regions !== undefined;
    const regions = req.regions ?? derivedRegions(req.applied, req.labelMap);
    if (regions.length) {
      const before = await decodeImage(req.before, { channels: req.after.channels === 4 ? 4 : 3, limits: this.opts.limits ?? DEFAULT_LIMITS });
      if (before.width === req.after.width && before.height === req.after.height) {
        const local = await checkLocally(before, req.after, regions, { ...this.opts.config.local, assertOutside: exact });
        report.localMs = local.ms;
        if (exact) report.outside = local.outside;
        for (const r of local.regions) {
          const v = verdicts.get(r.index);
          if (!v) continue;
          v.deltaE = r.meanDeltaE;
          v.minDeltaE = r.minDeltaE;
          if (!r.changed) Object.assign(v, { passed: false, failure: 'unchanged' as const });
        }
      } else {
        this.log.warn({ before: [before.width, before.height], after: [req.after.width, req.after.height] }, 'result check skipped: sizes differ');
      }
    }

    const vision = this.opts.vision;
    if (req.mode === 'vision' && vision && req.afterEncoded) {
      // Ask only about what the pixels did not already rule out.
      const edits = [...verdicts.values()].filter((v) => v.passed).map((v) => ({ index: v.index, command: v.command }));
      if (edits.length) {
        const out = await vision.check({ before: req.before, after: req.afterEncoded, edits, locale: req.locale, signal: req.signal });
        const { verdicts: seen, ...cost } = out;
        report.vision = cost;
        if (out.error) this.log.warn({ model: out.model, error: out.error }, 'vision check gave no verdict');
        for (const s of seen) {
          const v = verdicts.get(s.index);
          if (!v) continue;
          v.reason = s.reason || undefined;
          if (!s.shows) Object.assign(v, { passed: false, failure: 'not_shown' as const });
        }
      }
    }
    report.commands = [...verdicts.values()].sort((a, b) => a.index - b.index);
    return report;
  }
}

/**
 * Regions from the label map for commands that name parts (an executor that reports none): binary
 * masks of their labels (the complement for `cutout`, which keeps them); commands without parts
 * (face, swap_face, beauty) are left to the vision check.
 */
function derivedRegions(applied: CheckRequest['applied'], map: LabelMap | undefined): AppliedRegion[] {
  const out: AppliedRegion[] = [];
  for (const { index, command } of applied) {
    const labels = Array.isArray(command.args.labels) ? command.args.labels.map(String) : [];
    if (labels.length === 0) continue;
    if (labels.includes('*')) {
      out.push({ index, command, alpha: 'whole' });
      continue;
    }
    if (!map) continue;
    const mask = buildMask(map, { labels, optimize: false }).data;
    if (command.command === 'cutout') for (let i = 0; i < mask.length; i++) mask[i] = mask[i] ? 0 : 255;
    out.push({ index, command, alpha: mask });
  }
  return out;
}

/** The failed commands of a report. */
export function failedChecks(report: CheckReport): CommandCheck[] {
  return report.commands.filter((c) => !c.passed);
}

/**
 * The result checker the configuration asks for: the vision model is the one behind VISION_MODEL
 * (the suggestions' profile and key) with the check's own timeout and image size.
 */
export function createResultChecker(opts: { env: EnvSettings; llm: LlmConfig; safety: SafetyConfig; limits?: ImageLimits; logger?: Logger; processEnv?: NodeJS.ProcessEnv; vision?: VisionAsker }): ResultChecker {
  const cfg = opts.safety.check;
  let asker = opts.vision;
  if (!asker) {
    const profile = resolveVisionProfile(opts.env, opts.llm, opts.processEnv);
    if (profile) asker = new VisionClient({ ...profile, timeoutMs: cfg.vision.timeoutMs }, { maxSide: cfg.vision.maxSide, jpegQuality: cfg.vision.jpegQuality, maxRetryAfterMs: opts.llm.maxRetryAfterMs });
  }
  const vision = asker ? new VisionCheck(asker, { prompts: cfg.vision.system, maxTokens: cfg.vision.maxTokens }) : undefined;
  return new ResultChecker({ config: cfg, vision, limits: opts.limits, logger: opts.logger });
}
