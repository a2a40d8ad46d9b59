import type { LabelsConfig } from '../../../config/schemas/labels.js';
import type { WireCommand } from '../../../core/commands.js';
import type { HealthStatus } from '../../../core/health.js';
import { detectTextLocale, t, type Locale, type MessageKey } from '../../../i18n/index.js';
import type { CommandLanguage } from '../../commands/index.js';
import { heuristicSuggestions } from '../suggest/heuristic.js';
import type { Planner, PlanRequest, PlanResult } from '../types.js';
import { splitClauses } from './clauses.js';
import { IntentReader } from './intent.js';
import { Tokenizer } from './tokenize.js';
import { buildVocabulary } from './vocabulary.js';
import { intentToWire, mergeAdjustments } from './wire.js';

export interface OfflineInterpreterOptions {
  language: CommandLanguage;
  /** Part words (synonyms, groups, display names); default: the language's labels section. */
  labels?: LabelsConfig;
  /** Planning alone because no LLM is configured: health says so (state "off") so `doctor` can tell the operator. */
  noLlmConfigured?: boolean;
}

/**
 * A deterministic planner for English and Chinese instructions: a longest-match tokenizer
 * over a small lexicon (part names from config/labels.yaml), clause splitting, and a few
 * sentence shapes ("change X to Y", "make X red", "blur X", "仅保留 X", "X 换成 Y"). Everything it
 * produces goes through CommandLanguage.validate, like an LLM's reply.
 */
export class OfflineInterpreter implements Planner {
  readonly name = 'offline';
  private readonly language: CommandLanguage;
  private readonly tokenizer: Tokenizer;
  private readonly reader: IntentReader;
  private readonly noLlmConfigured: boolean;

  constructor(options: OfflineInterpreterOptions) {
    this.noLlmConfigured = options.noLlmConfigured ?? false;
    this.language = options.language;
    this.tokenizer = new Tokenizer(buildVocabulary(options.labels ?? options.language.labelsConfig));
    this.reader = new IntentReader(options.language);
  }

  async health(): Promise<HealthStatus> {
    if (this.noLlmConfigured) return { name: 'llm', state: 'off', detail: t('en', 'plan.health_off') };
    return { name: 'planner:offline', state: 'ok', detail: t('en', 'plan.health_offline') };
  }

  async plan(req: PlanRequest): Promise<PlanResult> {
    return this.planSync(req);
  }

  planSync(req: PlanRequest): PlanResult {
    const locale = req.locale ?? detectTextLocale(req.instruction);
    const available = req.labels;
    const tokens = this.tokenizer.tokenize(req.instruction);
    const intents = this.reader.resolve(splitClauses(tokens), available, req.focus);
    const items: WireCommand[] = [];
    let clarify: MessageKey | undefined;
    let clarifyParams: Record<string, string> | undefined;
    for (const intent of intents) {
      const out = intentToWire(intent, () => this.reader.background(available));
      if ('clarify' in out) {
        clarify ??= out.clarify;
        clarifyParams ??= out.params;
      } else items.push(...out.items);
    }
    const asked = tokens.some((tk) => tk.kind === 'ask') || /[?？]\s*$/.test(req.instruction);
    const onlyBeauty = items.length > 0 && items.every((i) => i.command === 'beauty');
    if (asked && (items.length === 0 || onlyBeauty)) {
      items.length = 0;
      items.push({ command: 'advice', paras: [this.adviceText(available, locale)] });
      clarify = undefined;
    }
    const validated = this.language.validate(mergeAdjustments(items), { labels: available, locale: 'en' });
    const commands = this.language.mergeAndSort(validated.commands);
    const result: PlanResult = { commands, rejected: validated.rejected, planner: this.name, repaired: false };
    // With nothing planned, ask — unless a rejection already says what was wrong.
    if (commands.length === 0 && validated.rejected.length === 0) {
      result.clarify = clarify ?? 'plan.clarify';
      if (clarifyParams && clarify) result.clarifyParams = clarifyParams;
      else if (result.clarify === 'plan.clarify_operation') result.clarify = 'plan.clarify';
    }
    return result;
  }

  private adviceText(available: readonly string[], locale: Locale): string {
    const ideas = heuristicSuggestions(available, locale, this.language, 3).map((s) => s.sentence.replace(/[。.]$/, ''));
    return t(locale, 'plan.advice_offline', { ideas: ideas.join(locale === 'zh-CN' ? '；' : '; ') });
  }
}
