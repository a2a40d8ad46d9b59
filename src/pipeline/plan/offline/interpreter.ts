import type { LabelsConfig } from '../../../config/schemas/labels.js';
import type { VocabularyConfig } from '../../../config/schemas/vocabulary.js';
import type { Rejection, WireCommand } from '../../../core/commands.js';
import type { HealthStatus } from '../../../core/health.js';
import { detectTextLocale, t, type Locale, type MessageKey } from '../../../i18n/index.js';
import { childLogger } from '../../../util/logger.js';
import type { CommandLanguage } from '../../commands/index.js';
import { heuristicSuggestions } from '../suggest/heuristic.js';
import type { Planner, PlanRequest, PlanResult } from '../types.js';
import { splitClauses, type Clause } from './clauses.js';
import { CedictGlossary, type Glossary } from './glossary.js';
import { IntentReader } from './intent.js';
import { JiebaSegmenter, type WordSegmenter } from './segment.js';
import { Tokenizer } from './tokenize.js';
import { buildVocabulary } from './vocabulary.js';
import { intentToWire, mergeAdjustments, type WireContext } from './wire.js';

/** Clauses past the command limit named one by one; the others are counted in one report. */
const OVERFLOW_NAMED = 20;

export interface OfflineInterpreterOptions {
  language: CommandLanguage;
  /** The vocabulary section (config/vocabulary.yaml): words, segmentation, glossary, limits. */
  vocabulary: VocabularyConfig;
  /** Part words (synonyms, groups, display names); default: the language's labels section. */
  labels?: LabelsConfig;
  /** Planning alone because no LLM is configured: health says so (state "off") so `doctor` can tell the operator. */
  noLlmConfigured?: boolean;
  /** A word segmenter to use instead of jieba (tests); null for none (longest match over the vocabulary). */
  segmenter?: WordSegmenter | null;
  /** A glossary to use instead of CC-CEDICT (tests); null for none. */
  glossary?: Glossary | null;
}

/** How long the Chinese resources took to load (ms), once each; undefined until first used. */
export interface InterpreterLoadTimes {
  segmenterMs?: number;
  glossaryMs?: number;
}

/**
 * A deterministic planner for English and Chinese instructions. Chinese is cut into words by
 * jieba (the vocabulary as its user dictionary), words outside the vocabulary get their English
 * from CC-CEDICT; clauses are split and each one becomes commands ("change X to Y", "make X red",
 * "blur X", "仅保留 X", "X 换成 Y", "keep only X, replace the rest with Y") or is reported as not
 * understood. Generator prompts are English only. Everything it produces goes through
 * CommandLanguage.validate, like an LLM's reply. Jieba and the dictionary load on the first
 * Chinese instruction (or `warm()`), so English-only use never pays for them.
 */
export class OfflineInterpreter implements Planner {
  readonly name = 'offline';
  private readonly language: CommandLanguage;
  private readonly vocabulary: VocabularyConfig;
  private readonly tokenizer: Tokenizer;
  private readonly reader: IntentReader;
  private readonly noLlmConfigured: boolean;
  private readonly log = childLogger({ module: 'planner' });
  private segmenter: WordSegmenter | null | undefined;
  private glossary: Glossary | null | undefined;
  private readonly times: InterpreterLoadTimes = {};

  constructor(options: OfflineInterpreterOptions) {
    this.noLlmConfigured = options.noLlmConfigured ?? false;
    this.language = options.language;
    this.vocabulary = options.vocabulary;
    this.segmenter = options.segmenter;
    this.glossary = options.glossary;
    this.tokenizer = new Tokenizer(buildVocabulary(options.labels ?? options.language.labelsConfig, options.vocabulary), {
      segmenter: () => this.loadSegmenter(),
      glossary: () => this.loadGlossary(),
    });
    this.reader = new IntentReader(options.language, { localBackground: this.language.rule('background') !== undefined });
  }

  /** Loads jieba and the dictionary now (otherwise the first Chinese instruction does); returns how long each took. */
  warm(): InterpreterLoadTimes {
    this.loadSegmenter();
    this.loadGlossary();
    return { ...this.times };
  }

  get loadTimes(): InterpreterLoadTimes {
    return { ...this.times };
  }

  private loadSegmenter(): WordSegmenter | undefined {
    if (this.segmenter === undefined) {
      const started = performance.now();
      try {
        this.segmenter = this.vocabulary.segmentation === 'jieba' ? new JiebaSegmenter(this.tokenizer.chinesePhrases()) : null;
      } catch (err) {
        this.log.warn({ err }, 'jieba could not load; Chinese is segmented by longest match over the vocabulary');
        this.segmenter = null;
      }
      this.times.segmenterMs = Math.round((performance.now() - started) * 10) / 10;
    }
    return this.segmenter ?? undefined;
  }

  private loadGlossary(): Glossary | undefined {
    if (this.glossary === undefined) {
      const started = performance.now();
      try {
        this.glossary = this.vocabulary.glossary.source === 'cc-cedict' ? CedictGlossary.load(this.vocabulary.glossary.maxWords) : null;
      } catch (err) {
        this.log.warn({ err }, 'the CC-CEDICT glossary could not load; Chinese words outside the vocabulary are left out of prompts');
        this.glossary = null;
      }
      this.times.glossaryMs = Math.round((performance.now() - started) * 10) / 10;
    }
    return this.glossary ?? undefined;
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
    const { maxCommands, maxInstructionChars } = this.vocabulary.limits;
    const reports: Rejection[] = [];
    const report = (key: MessageKey, params: Record<string, string | number>, item: unknown) => reports.push({ item, reason: t(locale, key, params), key, params });

    let instruction = req.instruction;
    if (instruction.length > maxInstructionChars) {
      report('plan.too_long', { max: maxInstructionChars }, instruction.slice(maxInstructionChars, maxInstructionChars + 200));
      instruction = instruction.slice(0, maxInstructionChars);
    }
    const tokens = this.tokenizer.tokenize(instruction);
    const { intents, skipped } = this.reader.resolve(splitClauses(tokens), available, req.focus);
    const ctx: WireContext = {
      background: () => this.reader.background(available),
      hasCommand: (name) => this.language.rule(name) !== undefined,
    };
    const items: WireCommand[] = [];
    const untranslated: string[] = [];
    const notDone: { clause: Clause; key: MessageKey; params?: Record<string, string> }[] = [];
    const overflow: Clause[] = [];
    for (const intent of intents) {
      const out = intentToWire(intent, ctx);
      if ('clarify' in out) {
        notDone.push({ clause: intent.clause, key: out.clarify, params: out.params });
        continue;
      }
      // Past the limit every clause is reported, none silently dropped.
      if (items.length + out.items.length > maxCommands) {
        overflow.push(intent.clause);
        continue;
      }
      items.push(...out.items);
      for (const w of out.untranslated) if (!untranslated.includes(w)) untranslated.push(w);
    }
    const asked = tokens.some((tk) => tk.kind === 'ask') || /[?？]\s*$/.test(instruction);
    const onlyBeauty = items.length > 0 && items.every((i) => i.command === 'beauty');
    let advised = false;
    if (asked && (items.length === 0 || onlyBeauty)) {
      items.length = 0;
      items.push({ command: 'advice', paras: [this.adviceText(available, locale)] });
      advised = true;
    }
    const validated = this.language.validate(mergeAdjustments(items), { labels: available, locale: 'en' });
    const commands = this.language.mergeAndSort(validated.commands);

    if (!advised) {
      for (const s of skipped) if (s.outcome === 'unknown') report('plan.not_understood', { text: s.clause.text }, s.clause.text);
      // With commands planned, a clause that could not become one says why; with none, the question below does.
      if (commands.length > 0) {
        for (const n of notDone) report('plan.clause_not_done', { text: n.clause.text, reason: t(locale, n.key, n.params ?? {}) }, n.clause.text);
      }
    }
    // Past the limit each clause is named, up to a point; the rest are listed in one report.
    for (const clause of overflow.slice(0, OVERFLOW_NAMED)) report('plan.too_many_edits', { max: maxCommands, text: clause.text }, clause.text);
    if (overflow.length > OVERFLOW_NAMED) {
      const restOf = overflow.slice(OVERFLOW_NAMED).map((c) => c.text);
      report('plan.too_many_more', { max: maxCommands, count: restOf.length }, restOf);
    }
    if (untranslated.length > 0) report('plan.untranslated', { words: untranslated.join(locale === 'zh-CN' ? '、' : ', ') }, untranslated);

    const result: PlanResult = { commands, rejected: [...validated.rejected, ...reports], planner: this.name, repaired: false };
    // With nothing planned, ask — unless a rejection of the photo's parts already says what was wrong.
    if (commands.length === 0 && validated.rejected.length === 0) {
      const first = advised ? undefined : notDone[0];
      result.clarify = first?.key ?? 'plan.clarify';
      if (first?.params && first.key) result.clarifyParams = first.params;
      else if (result.clarify === 'plan.clarify_operation') result.clarify = 'plan.clarify';
    }
    return result;
  }

  private adviceText(available: readonly string[], locale: Locale): string {
    const ideas = heuristicSuggestions(available, locale, this.language, 3).map((s) => s.sentence.replace(/[。.]$/, ''));
    return t(locale, 'plan.advice_offline', { ideas: ideas.join(locale === 'zh-CN' ? '；' : '; ') });
  }
}
