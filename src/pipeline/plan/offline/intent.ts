import { WHOLE_IMAGE, type CommandLanguage } from '../../commands/index.js';
import type { Clause } from './clauses.js';
import type { Token } from './tokenize.js';

export type Op = 'cutout' | 'remove' | 'grayscale' | 'blur' | 'adjust' | 'recolor' | 'change' | 'face' | 'beauty' | 'swap_face';

/** What one clause asks for, before labels are resolved against the photo. */
export interface Intent {
  ops: Op[];
  parts: string[]; // canonical labels, "*" = whole image
  hasOwnParts: boolean;
  tokens: Token[];
  target: Token[];
  colourPairs?: { labels: string[]; hex: string }[];
  joinNext: 'and' | 'sep' | null;
  bokeh: boolean;
}

/** Words of labels other models have, and the group they mean on a model without them. */
const GROUP_FALLBACK: Record<string, string> = { clothes: 'clothing', 服装: '服饰', 'body-skin': 'arms', skin: 'arms' };

const EXCEPT_SPAN = new Set<Token['kind']>(['part', 'me', 'filler', 'and', 'it']);

/**
 * The offline interpreter's reading of an instruction: each clause becomes operations and the
 * parts they apply to, resolved against the labels present in the photo ("change X to Y",
 * "make X red", "blur everything except me", "仅保留 X", "X 换成 Y").
 */
export class IntentReader {
  constructor(private readonly language: CommandLanguage) {}

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

  /** Clauses → intents: parts carried between clauses, clicked parts as context, borrowed parts for bare operations. */
  resolve(clauses: Clause[], available: readonly string[], focus?: readonly string[]): Intent[] {
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

  /** The background label(s) of the photo, else of the model. */
  background(available: readonly string[]): string[] {
    return this.language.matchLabel('Background', available) ?? this.language.matchLabel('Background') ?? [];
  }
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
