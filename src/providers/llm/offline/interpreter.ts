import { loadConfig } from '../../../config/load.js';
import type { LabelsConfig } from '../../../config/schemas/labels.js';
import { detectTextLocale, t, type Locale, type MessageKey } from '../../../i18n/index.js';
import { CommandLanguage, WHOLE_IMAGE, type WireCommand } from '../../../pipeline/commands/index.js';
import type { HealthStatus } from '../../../core/health.js';
import type { Planner, PlanRequest, PlanResult } from '../types.js';
import { heuristicSuggestions } from '../suggest/heuristic.js';
import { builtinLexicon, type AdjustDim, type Direction, type LexToken } from './lexicon.js';
import { Tokenizer, type PartToken, type Token } from './tokenize.js';

type Op = 'cutout' | 'remove' | 'grayscale' | 'blur' | 'adjust' | 'recolor' | 'change' | 'face' | 'beauty' | 'swap_face';

/** What one clause asks for, before labels are resolved against the photo. */
interface Intent {
  ops: Op[];
  parts: string[]; // canonical labels, "*" = whole image
  hasOwnParts: boolean;
  tokens: Token[];
  target: Token[];
  colourPairs?: { labels: string[]; hex: string }[];
  joinNext: 'and' | 'sep' | null;
  bokeh: boolean;
}

const AMOUNTS: Record<AdjustDim, { normal: number; strong: number; slight: number }> = {
  brightness: { normal: 25, strong: 50, slight: 15 },
  contrast: { normal: 20, strong: 40, slight: 10 },
  saturation: { normal: 25, strong: 50, slight: 15 },
};

/** Words of labels other models have, and the group they mean on a model without them. */
const GROUP_FALLBACK: Record<string, string> = { clothes: 'clothing', 服装: '服饰', 'body-skin': 'arms', skin: 'arms' };

const EXCEPT_SPAN = new Set<Token['kind']>(['part', 'me', 'filler', 'and', 'it']);

/** Tokens that never belong in a prompt. */
const PROMPT_DROP = new Set(['verb', 'marker', 'me', 'it', 'neg', 'sep', 'ask', 'except', 'modifier']);
const PROMPT_KEEP_FILLERS = new Set(['on', 'in', 'at', 'of', 'for', 'new', 'all']);
const LEADING_PREPOSITIONS = new Set(['on', 'in', 'at', 'of', 'for', 'onto']);

export interface OfflineInterpreterOptions {
  language?: CommandLanguage;
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
  private readonly noLlmConfigured: boolean;

  constructor(options: OfflineInterpreterOptions = {}) {
    this.noLlmConfigured = options.noLlmConfigured ?? false;
    this.language = options.language ?? CommandLanguage.load();
    const labels = options.labels ?? loadConfig({ sections: ['labels'] }).labels;
    this.tokenizer = new Tokenizer(this.vocabulary(labels));
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
    const intents = this.resolveClauses(splitClauses(tokens), available, req.focus);
    const items: WireCommand[] = [];
    let clarify: MessageKey | undefined;
    let clarifyParams: Record<string, string> | undefined;
    for (const intent of intents) {
      const out = this.toWire(intent, available);
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

  /** Dictionary: part words from config/labels.yaml (with an English gloss where one is known), then the lexicon. */
  private vocabulary(labels: LabelsConfig): { phrase: string; token: PartToken | LexToken }[] {
    const builtin = builtinLexicon();
    const glossOf = new Map<string, string>();
    for (const e of builtin) if (e.token.kind === 'word') glossOf.set(e.phrase, e.token.gloss);
    const parts: { phrase: string; token: PartToken }[] = [];
    const addPart = (phrase: string, englishGloss?: string) => {
      const variants = new Set([phrase, phrase.replace(/-/g, ' '), phrase.replace(/-/g, '')]);
      for (const v of variants) {
        const gloss = /[a-z]/i.test(v) ? undefined : (glossOf.get(v) ?? englishGloss);
        parts.push({ phrase: v, token: { kind: 'part', word: phrase, ...(gloss ? { gloss } : {}) } });
      }
    };
    // Phrases the lexicon gives another meaning (the "person" pronoun, "whole image" words) keep it.
    const reserved = new Set(builtin.filter((e) => e.token.kind === 'me' || e.token.kind === 'whole').map((e) => e.phrase));
    const words: [string, string | undefined][] = [];
    for (const [label, syns] of Object.entries(labels.synonyms)) {
      const english = labels.display[label]?.en ?? label.toLowerCase();
      words.push([label.toLowerCase(), english]);
      for (const s of syns) words.push([s.toLowerCase(), english]);
    }
    for (const [group, members] of Object.entries(labels.groups)) {
      words.push([group.toLowerCase(), members.length > 2 ? 'outfit' : undefined]);
    }
    for (const [label, names] of Object.entries(labels.display)) words.push([names.en.toLowerCase(), names.en], [names['zh-CN'].toLowerCase(), label]);
    for (const [w, gloss] of words) if (!reserved.has(w)) addPart(w, gloss);
    return [...builtin.filter((e) => e.token.kind === 'me' || e.token.kind === 'whole'), ...parts, ...builtin];
  }

  private labelsOf(token: Token, available: readonly string[]): string[] {
    if (token.kind === 'whole') return [WHOLE_IMAGE];
    if (token.kind === 'me') return this.language.matchLabel('person', available) ?? available.filter((l) => l !== 'Background');
    if (token.kind === 'garment') return this.language.matchLabel(token.label, available) ?? this.language.matchLabel(token.label) ?? [];
    if (token.kind !== 'part') return [];
    // Present labels first; otherwise the model's labels, so validation can say what is missing.
    const direct = this.language.matchLabel(token.word, available) ?? this.language.matchLabel(token.word);
    if (direct) return direct;
    // A word for a label another model has ("clothes" is MediaPipe's) still means its group here.
    const group = GROUP_FALLBACK[token.word];
    return group ? (this.language.matchLabel(group, available) ?? this.language.matchLabel(group) ?? []) : [];
  }

  private resolveClauses(clauses: { tokens: Token[]; joinNext: 'and' | 'sep' | null }[], available: readonly string[], focus?: readonly string[]): Intent[] {
    const intents: Intent[] = [];
    let pending: string[] = [];
    // Parts the user clicked act as an earlier clause: "make it red" means the clicked parts.
    const pointed: Intent | undefined = focus?.length
      ? { ops: [], parts: [...focus], hasOwnParts: true, tokens: [], target: [], joinNext: null, bokeh: false }
      : undefined;
    for (let ci = 0; ci < clauses.length; ci++) {
      const { tokens, joinNext } = clauses[ci]!;
      // "don't change the background", "人物保持彩色": what must stay as it is needs no command.
      if (tokens.some((tk) => tk.kind === 'neg' || tk.kind === 'keep')) continue;
      const intent = this.analyse(tokens, available, joinNext, intents[intents.length - 1] ?? pointed);
      if (!intent) continue;
      if (pointed && intent.ops.length > 0) {
        if (intent.parts.length === 0) {
          intent.parts = [...pointed.parts];
          intent.hasOwnParts = true;
        }
        if (intent.ops.includes('recolor') && !intent.colourPairs?.length) intent.colourPairs = pairColours(intent.tokens, () => [], intent.parts);
      }
      if (intent.ops.length === 0) {
        // A clause naming parts only ("…，头发", "the scarf and") adds them to its neighbour.
        if (intent.parts.length > 0) {
          const prev = intents[intents.length - 1];
          if (prev && prev.hasOwnParts) prev.parts = union(prev.parts, intent.parts);
          else pending = union(pending, intent.parts);
        }
        continue;
      }
      if (pending.length > 0) {
        intent.parts = union(pending, intent.hasOwnParts ? intent.parts : []);
        intent.hasOwnParts = true;
        pending = [];
      }
      intents.push(intent);
    }
    // "blur and darken the background": an operation without parts borrows those of the next clause joined by "and".
    for (let i = intents.length - 2; i >= 0; i--) {
      const cur = intents[i]!;
      const next = intents[i + 1]!;
      if (!cur.hasOwnParts && cur.joinNext === 'and' && next.hasOwnParts && cur.target.length === 0) {
        cur.parts = [...next.parts];
        cur.hasOwnParts = true;
      }
    }
    return intents;
  }

  /** One clause → operations + parts (+ target tokens for change/recolor/face). */
  private analyse(tokens: Token[], available: readonly string[], joinNext: 'and' | 'sep' | null, prev: Intent | undefined): Intent | undefined {
    if (tokens.length === 0) return undefined;
    const partIdx = (tk: Token) => tk.kind === 'part' || tk.kind === 'whole';
    // "blur everything except me", "除了脸以外都模糊": the parts right after "except" are excluded.
    const exceptAt = tokens.findIndex((tk) => tk.kind === 'except');
    let exceptEnd = exceptAt;
    if (exceptAt >= 0) {
      while (exceptEnd + 1 < tokens.length && EXCEPT_SPAN.has(tokens[exceptEnd + 1]!.kind)) exceptEnd++;
    }
    const excludedTokens = exceptAt >= 0 ? tokens.slice(exceptAt + 1, exceptEnd + 1) : [];
    const scope = exceptAt >= 0 ? [...tokens.slice(0, exceptAt), ...tokens.slice(exceptEnd + 1)] : tokens;
    const ops = new Set<Op>();
    const has = (kind: Token['kind']) => scope.some((tk) => tk.kind === kind);
    const opTokens = scope.filter((tk) => tk.kind === 'op') as Extract<Token, { kind: 'op' }>[];
    // "I want to change X to Y": the change verb matters, not "want".
    let verbAt = scope.findIndex((tk) => tk.kind === 'verb' && tk.verb !== 'give');
    if (verbAt < 0) verbAt = scope.findIndex((tk) => tk.kind === 'verb');
    // "remove the bag" is a removal; "change the background to a beach without people" is not.
    const exclusive = opTokens.find(
      (tk) => (tk.op === 'swap_face' || tk.op === 'cutout' || tk.op === 'remove') && (verbAt < 0 || scope.indexOf(tk) < verbAt),
    );

    let parts: string[] = [];
    let target: Token[] = [];
    let colourPairs: Intent['colourPairs'];
    const collectParts = (list: Token[]) => {
      for (const tk of list) if (partIdx(tk)) parts = union(parts, this.labelsOf(tk, available));
    };

    if (verbAt >= 0 && !exclusive) {
      const verb = scope[verbAt] as Extract<Token, { kind: 'verb' }>;
      const markerAt = scope.findIndex((tk, i) => tk.kind === 'marker' && (tk.reverse || i > verbAt));
      const marker = markerAt >= 0 ? (scope[markerAt] as Extract<Token, { kind: 'marker' }>) : undefined;
      let source: Token[];
      if (marker?.reverse) {
        source = scope.slice(markerAt + 1);
        target = scope.slice(verbAt + 1, markerAt);
      } else if (marker) {
        source = scope.slice(0, markerAt);
        target = scope.slice(markerAt + 1);
      } else {
        source = scope.filter((tk, i) => partIdx(tk) && (i < verbAt || i > verbAt));
        target = scope.slice(verbAt + 1).filter((tk) => !partIdx(tk));
      }
      collectParts(source);
      if (parts.length === 0 && source.some((tk) => tk.kind === 'it') && prev) parts = [...prev.parts];
      if (parts.length === 0 && marker) collectParts(target);
      if (parts.length === 0) {
        for (const tk of target) if (tk.kind === 'garment') parts = union(parts, this.labelsOf(tk, available));
      }
      const content = target.filter((tk) => ['other', 'scene', 'garment', 'word', 'part', 'face'].includes(tk.kind) && !isQuietOther(tk));
      const colours = target.filter((tk) => tk.kind === 'colour');
      const targetOps = target.filter((tk) => tk.kind === 'op' || tk.kind === 'bokeh' || tk.kind === 'adjust');
      if (content.length === 0 && colours.length > 0) {
        ops.add('recolor');
        colourPairs = pairColours(scope, (tk) => (partIdx(tk) ? this.labelsOf(tk, available) : []), parts);
      } else if (content.length === 0 && targetOps.length > 0) {
        for (const tk of targetOps) addKeywordOp(ops, tk);
      } else if (content.some((tk) => tk.kind === 'face') && (parts.length === 0 || isOnly(parts, 'Face'))) {
        ops.add('face');
        parts = [];
      } else if (content.length > 0) {
        if (parts.length === 0 && (verb.verb === 'place' || target.some((tk) => tk.kind === 'scene'))) parts = this.background(available);
        // "make it look like a painting": "it" is the previous clause's parts, or the whole photo.
        if (parts.length === 0 && scope.some((tk) => tk.kind === 'it')) parts = prev ? [...prev.parts] : [WHOLE_IMAGE];
        if (isOnly(parts, 'Face')) {
          ops.add('face');
          parts = [];
        } else ops.add('change');
      }
      if (ops.size === 0 && opTokens.length > 0) for (const tk of opTokens) addKeywordOp(ops, tk);
    } else {
      collectParts(scope);
      for (const tk of scope) addKeywordOp(ops, tk);
      if (exclusive) {
        ops.clear();
        ops.add(exclusive.op as Op);
        // "cut me out", "remove the person": the person pronoun means the person's parts here.
        if (parts.length === 0) for (const tk of scope) if (tk.kind === 'me') parts = union(parts, this.labelsOf(tk, available));
      } else if (!ops.has('grayscale') && !ops.has('blur') && !ops.has('adjust')) {
        const colours = scope.filter((tk) => tk.kind === 'colour');
        if (colours.length > 0 && parts.length > 0) {
          ops.clear();
          ops.add('recolor');
          colourPairs = pairColours(scope, (tk) => (partIdx(tk) ? this.labelsOf(tk, available) : []), parts);
        }
      }
      if (has('face') && ops.size === 0) ops.add('face');
      if (ops.has('face')) target = scope.filter((tk) => tk.kind === 'face' || tk.kind === 'other');
      if (ops.size === 0 && parts.length === 0 && scope.some((tk) => tk.kind === 'scene') && !has('ask')) {
        ops.add('change');
        target = scope.filter((tk) => !partIdx(tk));
        parts = this.background(available);
      }
    }

    if (exceptAt >= 0) {
      const excluded: string[] = [];
      for (const tk of excludedTokens) {
        if (partIdx(tk) || tk.kind === 'me') excluded.push(...this.labelsOf(tk, available));
      }
      const base = parts.length === 0 || parts.includes(WHOLE_IMAGE) ? [...available] : parts;
      parts = base.filter((l) => !excluded.includes(l));
    }
    if (parts.length === 0 && scope.some((tk) => tk.kind === 'it') && prev) parts = [...prev.parts];
    return {
      ops: [...ops],
      parts,
      hasOwnParts: parts.length > 0,
      tokens,
      target,
      colourPairs,
      joinNext,
      bokeh: scope.some((tk) => tk.kind === 'bokeh'),
    };
  }

  private background(available: readonly string[]): string[] {
    return this.language.matchLabel('Background', available) ?? this.language.matchLabel('Background') ?? [];
  }

  private toWire(intent: Intent, available: readonly string[]): { items: WireCommand[] } | { clarify: MessageKey; params?: Record<string, string> } {
    const items: WireCommand[] = [];
    const tokens = intent.tokens;
    const wholeOr = (fallback: string[]) => (intent.parts.length > 0 ? intent.parts : fallback);
    const amountOf = () =>
      tokens.some((tk) => tk.kind === 'modifier' && tk.amount === 'strong')
        ? 'strong'
        : tokens.some((tk) => tk.kind === 'modifier' && tk.amount === 'slight')
          ? 'slight'
          : 'normal';
    for (const op of intent.ops) {
      switch (op) {
        case 'swap_face':
          items.push({ command: 'swap_face', paras: [] });
          break;
        case 'cutout':
        case 'remove':
          if (intent.parts.length === 0) return { clarify: 'plan.clarify_parts' };
          items.push({ command: op, paras: [intent.parts] });
          break;
        case 'grayscale':
          items.push({ command: 'grayscale', paras: [wholeOr([WHOLE_IMAGE])] });
          break;
        case 'blur': {
          // "虚化" / "bokeh" / a bare "blur" mean the portrait look: the background.
          const labels = intent.parts.length > 0 ? intent.parts : this.background(available);
          const amount = amountOf();
          const strength = amount === 'strong' ? 60 : amount === 'slight' ? 15 : undefined;
          items.push({ command: 'blur', paras: strength === undefined ? [labels] : [labels, strength] });
          break;
        }
        case 'adjust': {
          const values: Record<AdjustDim, number> = { brightness: 0, contrast: 0, saturation: 0 };
          const down = tokens.some((tk) => tk.kind === 'modifier' && tk.dir === 'down');
          // "too dark" / "太暗了" describe the problem: the wish is the opposite.
          const invert = tokens.some((tk) => tk.kind === 'too');
          const amount = amountOf();
          for (const tk of tokens) {
            if (tk.kind !== 'adjust') continue;
            let dir: Direction = tk.dir ?? (down ? 'down' : 'up');
            if (invert) dir = dir === 'up' ? 'down' : 'up';
            const size = tk.dim === 'saturation' && tk.dir === 'down' && amount === 'normal' ? 40 : AMOUNTS[tk.dim][amount];
            values[tk.dim] = dir === 'up' ? size : -size;
          }
          items.push({ command: 'adjust', paras: [wholeOr([WHOLE_IMAGE]), values.brightness, values.contrast, values.saturation] });
          break;
        }
        case 'recolor': {
          const pairs = intent.colourPairs ?? [];
          if (pairs.length === 0) return { clarify: 'plan.clarify_parts' };
          for (const p of pairs) items.push({ command: 'recolor', paras: [p.labels, p.hex] });
          break;
        }
        case 'change': {
          // Repainting the whole photo from a guess would be destructive: ask instead.
          if (intent.parts.length === 0 || intent.parts.includes(WHOLE_IMAGE)) return { clarify: 'plan.clarify_parts' };
          const prompt = promptOf(intent.target);
          if (!prompt) return { clarify: 'plan.clarify_operation', params: { parts: intent.parts.join(', ') } };
          items.push({ command: 'change', paras: [intent.parts, prompt] });
          break;
        }
        case 'face': {
          const prompt = promptOf(intent.target) || 'natural smile';
          items.push({ command: 'face', paras: [prompt] });
          break;
        }
        case 'beauty':
          items.push({ command: 'beauty', paras: [] });
          break;
      }
    }
    return { items };
  }

  private adviceText(available: readonly string[], locale: Locale): string {
    const ideas = heuristicSuggestions(available, locale, this.language, 3).map((s) => s.sentence.replace(/[。.]$/, ''));
    return t(locale, 'plan.advice_offline', { ideas: ideas.join(locale === 'zh-CN' ? '；' : '; ') });
  }
}

/** "整体调暗，增加一点对比度": adjustments of the same parts become one adjust (the larger change per dimension wins). */
function mergeAdjustments(items: WireCommand[]): WireCommand[] {
  const out: WireCommand[] = [];
  const byLabels = new Map<string, WireCommand>();
  for (const item of items) {
    if (item.command !== 'adjust') {
      out.push(item);
      continue;
    }
    const key = JSON.stringify([...(item.paras[0] as string[])].sort());
    const seen = byLabels.get(key);
    if (!seen) {
      const copy = { command: 'adjust', paras: [...item.paras] };
      byLabels.set(key, copy);
      out.push(copy);
      continue;
    }
    for (let i = 1; i <= 3; i++) {
      const a = Number(seen.paras[i] ?? 0);
      const b = Number(item.paras[i] ?? 0);
      seen.paras[i] = Math.abs(b) > Math.abs(a) ? b : a;
    }
  }
  return out;
}

function addKeywordOp(ops: Set<Op>, tk: Token): void {
  if (tk.kind === 'op') ops.add(tk.op as Op);
  else if (tk.kind === 'bokeh') ops.add('blur');
  else if (tk.kind === 'adjust') ops.add('adjust');
}

/** Single Latin words a prompt can lose without harm ("would", "any"): other words are content. */
function isQuietOther(tk: Token): boolean {
  return tk.kind === 'other' && /^(would|could|should|will|can|any|look|become|turns?|get|go|and|or)$/.test(tk.raw);
}

function isOnly(labels: readonly string[], label: string): boolean {
  return labels.length === 1 && labels[0] === label;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/**
 * "make the skirt black and the shirt white": each part takes the first colour after it (or
 * the last one before it); parts sharing a colour become one recolor.
 */
function pairColours(tokens: Token[], labelsOf: (tk: Token) => string[], fallbackParts: string[]): { labels: string[]; hex: string }[] {
  const colours = tokens.map((tk, i) => ({ tk, i })).filter((x) => x.tk.kind === 'colour');
  if (colours.length === 0) return [];
  const byHex = new Map<string, string[]>();
  let sawPart = false;
  tokens.forEach((tk, i) => {
    const labels = labelsOf(tk);
    if (labels.length === 0) return;
    sawPart = true;
    const after = colours.find((c) => c.i > i) ?? colours[colours.length - 1]!;
    const hex = (after.tk as Extract<Token, { kind: 'colour' }>).hex;
    byHex.set(hex, union(byHex.get(hex) ?? [], labels));
  });
  if (!sawPart && fallbackParts.length > 0) byHex.set((colours[0]!.tk as Extract<Token, { kind: 'colour' }>).hex, fallbackParts);
  return [...byHex].map(([hex, labels]) => ({ labels, hex }));
}

/** The English prompt of a target: Chinese words through their gloss, unknown Chinese kept as written. */
export function promptOf(target: Token[]): string {
  const words: string[] = [];
  let cjkRun = '';
  const flush = () => {
    if (cjkRun) words.push(cjkRun);
    cjkRun = '';
  };
  for (const tk of target) {
    if (PROMPT_DROP.has(tk.kind)) continue;
    if (tk.kind === 'filler' && !PROMPT_KEEP_FILLERS.has(tk.raw)) continue;
    if (tk.kind === 'and') {
      flush();
      words.push('and');
      continue;
    }
    const latin = /[a-z0-9]/.test(tk.raw);
    if (latin) {
      flush();
      words.push(tk.raw);
      continue;
    }
    const gloss = 'gloss' in tk && typeof tk.gloss === 'string' ? tk.gloss : undefined;
    if (gloss) {
      flush();
      words.push(gloss);
    } else cjkRun += tk.raw;
  }
  flush();
  while (words.length > 0 && (LEADING_PREPOSITIONS.has(words[0]!) || words[0] === 'and')) words.shift();
  while (words.length > 0 && (LEADING_PREPOSITIONS.has(words[words.length - 1]!) || words[words.length - 1] === 'and')) words.pop();
  return words.join(' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * Clauses: strong separators (punctuation, "then", "然后") always split; "and"/"和" splits only
 * when what follows has its own verb or operation ("remove my hat and scarf" stays one clause).
 */
export function splitClauses(tokens: Token[]): { tokens: Token[]; joinNext: 'and' | 'sep' | null }[] {
  const out: { tokens: Token[]; joinNext: 'and' | 'sep' | null }[] = [];
  let cur: Token[] = [];
  const push = (join: 'and' | 'sep' | null) => {
    if (cur.length > 0) out.push({ tokens: cur, joinNext: join });
    else if (out.length > 0 && join) out[out.length - 1]!.joinNext = join;
    cur = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const tk = tokens[i]!;
    if (tk.kind === 'sep') {
      push('sep');
      continue;
    }
    if (tk.kind === 'and') {
      let j = i + 1;
      let acting = false;
      for (; j < tokens.length && tokens[j]!.kind !== 'sep' && tokens[j]!.kind !== 'and'; j++) {
        const k = tokens[j]!.kind;
        if (k === 'verb' || k === 'op' || k === 'adjust' || k === 'bokeh') acting = true;
      }
      if (acting) {
        push('and');
        continue;
      }
    }
    cur.push(tk);
  }
  push(null);
  if (out.length > 0) out[out.length - 1]!.joinNext = null;
  return out;
}
