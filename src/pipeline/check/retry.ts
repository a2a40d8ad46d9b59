import type { CommandRule } from '../../config/schemas/commands.js';
import type { SafetyConfig } from '../../config/schemas/safety.js';
import type { Template } from '../../config/schemas/templates.js';
import type { Command } from '../../core/commands.js';
import type { UserSettings } from '../execute/index.js';

/** What a targeted retry runs: the one command (maybe with stronger values) and settings for its job. */
export interface RetryPlan {
  command: Command;
  /** Merged over the thread's settings for this job only (the user source of resolveParams). */
  settings: Pick<UserSettings, 'seed' | 'strength' | 'cfgScale'>;
}

export interface RetryContext {
  rule: CommandRule | undefined;
  template: Template | undefined;
  /** config/templates.yaml `defaults`. */
  defaults: Record<string, unknown>;
  /** The settings the failed job ran with. */
  settings: UserSettings;
  retry: SafetyConfig['check']['retry'];
  random?: () => number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A stronger second try of one command whose check failed, or undefined when nothing could make it
 * stronger (grayscale, remove, recolor: the same input gives the same output).
 *
 * - Generative: a new seed, denoising strength + strengthStep (up to maxStrength) so more of the
 *   region is repainted, CFG + cfgStep (up to maxCfg) so the prompt — its colour included — is
 *   followed more strongly.
 * - adjust: every non-zero amount times localFactor, within the command's limits.
 * - blur: strength times localFactor, within its limit.
 */
export function planRetry(command: Command, ctx: RetryContext): RetryPlan | undefined {
  const { rule, template, defaults, settings, retry } = ctx;
  if (!rule) return undefined;
  if (rule.executor === 'generative') {
    const random = ctx.random ?? Math.random;
    const strength = settings.strength ?? num(command.args.strength) ?? num(template?.params.denoising_strength) ?? num(defaults.denoising_strength) ?? 0.75;
    const cfg = settings.cfgScale ?? num(template?.params.cfg_scale) ?? num(defaults.cfg_scale) ?? 7;
    return {
      command,
      settings: {
        seed: Math.floor(random() * 2 ** 31),
        strength: round2(Math.min(retry.maxStrength, Math.max(strength, strength + retry.strengthStep))),
        cfgScale: round2(Math.min(retry.maxCfg, Math.max(cfg, cfg + retry.cfgStep))),
      },
    };
  }
  if (rule.executor !== 'local') return undefined;
  const para = (name: string) => rule.paras.find((p) => p.name === name);
  const bounded = (name: string, value: number) => {
    const p = para(name);
    const min = p && 'min' in p && typeof p.min === 'number' ? p.min : -Infinity;
    const max = p && 'max' in p && typeof p.max === 'number' ? p.max : Infinity;
    return Math.round(Math.min(max, Math.max(min, value)));
  };
  const args = { ...command.args };
  let stronger = false;
  if (rule.operation === 'adjust') {
    for (const name of ['brightness', 'contrast', 'saturation']) {
      const v = num(args[name]);
      if (!v) continue;
      const next = bounded(name, v * retry.localFactor);
      if (next !== v) (args[name] = next), (stronger = true);
    }
  } else if (rule.operation === 'blur') {
    const p = para('strength');
    const v = num(args.strength) ?? (p && 'default' in p ? num(p.default) : undefined) ?? 30;
    const next = bounded('strength', v * retry.localFactor);
    if (next !== v) (args.strength = next), (stronger = true);
  }
  return stronger ? { command: { ...command, args }, settings: {} } : undefined;
}
