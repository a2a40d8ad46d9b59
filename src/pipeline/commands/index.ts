import type { z } from 'zod';
import type { CommandRule, CommandsConfig } from '../../config/schemas/commands.js';
import type { LabelsConfig } from '../../config/schemas/labels.js';
import { t, type Locale } from '../../i18n/index.js';
import { describeForPrompt, toWire } from './describe.js';
import { extractItems } from './extract.js';
import { DEFAULT_MODEL_LABELS, LabelMatcher, WHOLE_IMAGE } from './labels.js';
import { mergeAndSort } from './merge.js';
import { compileRules, validateItems } from './validate.js';
import type { Command, ParseResult, Rejection, WireCommand } from '../../core/commands.js';

export type { Command, ParseResult, Rejection, WireCommand } from '../../core/commands.js';
export type { CommandRule, CommandsConfig } from '../../config/schemas/commands.js';
export type { LabelsConfig } from '../../config/schemas/labels.js';
export { DEFAULT_MODEL_LABELS, WHOLE_IMAGE, normalizeLabelWord } from './labels.js';
export { normalizeColor } from './colors.js';

export interface ValidateOptions {
  /** Labels present in the photo; without them every label of the model is allowed. */
  labels?: readonly string[];
  /** Language of rejection reasons (default English: they are quoted to models). */
  locale?: Locale;
}

/** The configuration sections the command language is built from. */
export interface CommandLanguageConfig {
  commands: CommandsConfig;
  labels: LabelsConfig;
}

export interface LanguageOptions {
  /** Labels of the active segmentation model (default: segformer_b2_clothes). */
  modelLabels?: readonly string[];
}

function commandKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase().replace(/[\s\-]+/g, '_');
}

/**
 * The JSON instruction language (DESIGN.md "The command language"): tolerant extraction from
 * model replies, validation against config/commands.yaml, label matching through
 * config/labels.yaml, merge and priority order (thesis algorithm 7).
 */
export class CommandLanguage {
  private readonly matcher: LabelMatcher;
  private readonly schemas: Map<string, z.ZodType[]>;
  private readonly names = new Map<string, string>();
  private readonly modelLabels: readonly string[];

  /** From the commands and labels sections (config/commands.yaml, config/labels.yaml, with user overrides). */
  constructor(
    private readonly cfg: CommandLanguageConfig,
    options: LanguageOptions = {},
  ) {
    this.modelLabels = options.modelLabels ?? DEFAULT_MODEL_LABELS;
    this.matcher = new LabelMatcher(cfg.labels, this.modelLabels);
    this.schemas = compileRules(cfg.commands);
    for (const name of Object.keys(cfg.commands.commands)) this.names.set(commandKey(name), name);
    for (const [name, rule] of Object.entries(cfg.commands.commands)) {
      for (const alias of rule.aliases ?? []) if (!this.names.has(commandKey(alias))) this.names.set(commandKey(alias), name);
    }
  }

  static fromConfig(cfg: CommandLanguageConfig, options?: LanguageOptions): CommandLanguage {
    return new CommandLanguage(cfg, options);
  }

  /** Command candidates in a raw model reply; what cannot be read is in `rejected`. */
  extract(text: string, opts: { locale?: Locale } = {}): { items: unknown[]; rejected: Rejection[] } {
    return extractItems(text, opts.locale ?? 'en');
  }

  validate(items: readonly unknown[], opts: ValidateOptions = {}): ParseResult {
    const fromPhoto = opts.labels !== undefined;
    const allowed = fromPhoto ? this.matcher.canonicalList(opts.labels!) : [...this.modelLabels];
    return validateItems(items, {
      cfg: this.cfg.commands,
      matcher: this.matcher,
      allowed,
      fromPhoto,
      locale: opts.locale ?? 'en',
      schemas: this.schemas,
      commandFor: (name) => this.names.get(commandKey(name)),
    });
  }

  /** extract + validate + mergeAndSort. */
  parse(text: string, opts: ValidateOptions = {}): ParseResult {
    const extracted = this.extract(text, opts);
    const validated = this.validate(extracted.items, opts);
    return { commands: this.mergeAndSort(validated.commands), rejected: [...extracted.rejected, ...validated.rejected] };
  }

  mergeAndSort(commands: Command[]): Command[] {
    return mergeAndSort(commands, (name) => this.rule(name), this.cfg.commands.joinWith);
  }

  /** Canonical labels a word means (synonyms, groups), limited to `available` when given; ["*"] for the whole image. */
  matchLabel(word: string, available?: readonly string[]): string[] | undefined {
    const allowed = available ? this.matcher.canonicalList(available) : this.modelLabels;
    const m = this.matcher.resolveAmong(word, allowed);
    if (m.kind === 'whole') return [WHOLE_IMAGE];
    if (m.kind === 'unknown' || m.labels.length === 0) return undefined;
    return m.labels;
  }

  toWire(command: Command): WireCommand {
    return toWire(command, this.rule(command.command));
  }

  rule(name: string): CommandRule | undefined {
    const canonical = this.names.get(commandKey(name));
    return canonical === undefined ? undefined : this.cfg.commands.commands[canonical];
  }

  commandNames(): string[] {
    return Object.keys(this.cfg.commands.commands);
  }

  describeForPrompt(locale: Locale): string {
    return describeForPrompt(this.cfg.commands, locale);
  }

  /** The labels section this language was built from (synonyms, groups, display names). */
  get labelsConfig(): LabelsConfig {
    return this.cfg.labels;
  }

  /** Display name of a canonical label in a locale ("Upper-clothes" → "top" / "上衣"). */
  displayLabel(label: string, locale: Locale): string {
    if (label === WHOLE_IMAGE) return t(locale, 'commands.whole_image');
    return this.cfg.labels.display[label]?.[locale] ?? label;
  }
}
