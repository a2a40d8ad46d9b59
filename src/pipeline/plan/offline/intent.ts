import { WHOLE_IMAGE, type CommandLanguage } from '../../commands/index.js';
import type { Clause } from './clauses.js';
import type { Token } from './tokenize.js';
import { addKeywordOp, findLastIndex, isOnly, isQuietOther, pairColours, union, type Op } from './words.js';

export type { Op } from './words.js';

/** A background made locally (no generator): a colour, a gradient, a studio backdrop or a second photo. */
export interface BackgroundWish {
  source: 'color' | 'gradient' | 'backdrop' | 'photo';
  colours: string[];
}

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
  /** The clause it was read from (reports name it). */
  clause: Clause;
  /** "the rest", "其余": the parts are whatever the other clauses did not name (set by `resolve`). */
  rest?: boolean;
  /** "头发更加丰盈": parts and a description without a verb; the prompt names the part. */
  describe?: boolean;
  /** "美颜并增强笑容": a beautify wish that is about the face. */
  faceBeauty?: boolean;
  background?: BackgroundWish;
}

/** How the intent reader dealt with a clause that became no intent. */
export type ClauseOutcome = 'parts' | 'keep' | 'ask' | 'empty' | 'unknown';

/** Words of labels other models have, and the group they mean on a model without them. */
const GROUP_FALLBACK: Record<string, string> = { clothes: 'clothing', 服装: '服饰', 'body-skin': 'arms', skin: 'arms' };

const EXCEPT_SPAN = new Set<Token['kind']>(['part', 'me', 'filler', 'and', 'it']);
/** Tokens that carry meaning of their own: a clause without any is filler ("please", "谢谢" aside). */
const MEANINGFUL = new Set<Token['kind']>(['verb', 'op', 'adjust', 'bokeh', 'colour', 'face', 'scene', 'garment', 'word', 'other', 'part', 'me', 'rest', 'source', 'gradient', 'modifier']);
/** Tokens that say what a clause wants; a clause that has them but became no command was not understood. */
const UNREAD_CONTENT = new Set<Token['kind']>(['other', 'word', 'scene', 'garment', 'colour', 'face', 'adjust', 'modifier']);
/** Target tokens that describe new content (as opposed to a colour or an operation). */
const CONTENT = new Set<Token['kind']>(['other', 'scene', 'garment', 'word', 'part', 'face']);

export interface IntentReaderOptions {
  /** The command language has a local background command (colour, gradient, backdrop, photo). */
  localBackground: boolean;
}

/**
 * The offline interpreter's reading of an instruction: each clause becomes operations and the
 * parts they apply to, resolved against the labels present in the photo ("change X to Y",
 * "make X red", "blur everything except me", "仅保留 X", "X 换成 Y", "keep only X, replace the
 * rest with Y"), or is reported back as not understood.
 */
export class IntentReader {
  constructor(
    private readonly language: CommandLanguage,
    private readonly options: IntentReaderOptions = { localBackground: false },
  ) {}

  /** matchLabel, remembered per photo's label list (a long instruction asks the same words many times). */
  private readonly matches = new WeakMap<readonly string[], Map<string, string[] | undefined>>();
  private readonly modelMatches = new Map<string, string[] | undefined>();
  private match(word: string, available?: readonly string[]): string[] | undefined {
    let memo = this.modelMatches;
    if (available) {
      memo = this.matches.get(available) ?? new Map();
      this.matches.set(available, memo);
    }
    if (memo.has(word)) return memo.get(word);
    const labels = this.language.matchLabel(word, available);
    if (memo.size > 2000) memo.clear();
    memo.set(word, labels);
    return labels;
  }

  private labelsOf(token: Token, available: readonly string[]): string[] {
    if (token.kind === 'whole') return [WHOLE_IMAGE];
    if (token.kind === 'me') return this.match('person', available) ?? available.filter((l) => l !== 'Background');
    if (token.kind === 'garment') {
      let out: string[] = [];
      for (const word of token.labels) out = union(out, this.match(word, available) ?? []);
      if (out.length > 0) return out;
      for (const word of token.labels) out = union(out, this.match(word) ?? []);
      return out;
    }
    if (token.kind !== 'part') return [];
    // Present labels first; otherwise the model's labels, so validation can say what is missing.
    const direct = this.match(token.word, available) ?? this.match(token.word);
    if (direct) return direct;
    // A word for a label another model has ("clothes" is MediaPipe's) still means its group here.
    const group = GROUP_FALLBACK[token.word];
    return group ? (this.match(group, available) ?? this.match(group) ?? []) : [];
  }

  /**
   * Clauses → intents: parts carried between clauses, clicked parts as context, borrowed parts
   * for bare operations, "the rest" as the parts no other clause kept. Clauses that yield no
   * intent come back with the reason (`unknown` ones are reported as not understood).
   */
  resolve(clauses: Clause[], available: readonly string[], focus?: readonly string[]): { intents: Intent[]; skipped: { clause: Clause; outcome: ClauseOutcome }[] } {
    const intents: Intent[] = [];
    const skipped: { clause: Clause; outcome: ClauseOutcome }[] = [];
    let pending: string[] = [];
    let pendingClauses: Clause[] = [];
    // Parts the user clicked act as an earlier clause: "make it red" means the clicked parts.
    const pointed: Intent | undefined = focus?.length
      ? { ops: [], parts: [...focus], hasOwnParts: true, tokens: [], target: [], joinNext: null, bokeh: false, clause: { tokens: [], joinNext: null, text: '' } }
      : undefined;
    for (const clause of clauses) {
      const { tokens } = clause;
      if (!tokens.some((tk) => MEANINGFUL.has(tk.kind))) {
        skipped.push({ clause, outcome: tokens.some((tk) => tk.kind === 'ask') ? 'ask' : 'empty' });
        continue;
      }
      // "don't change the background", "人物保持彩色": what must stay as it is needs no command.
      if (tokens.some((tk) => tk.kind === 'neg' || tk.kind === 'keep')) {
        skipped.push({ clause, outcome: 'keep' });
        continue;
      }
      const intent = this.analyse(clause, available, intents[intents.length - 1] ?? pointed);
      if (pointed && intent.ops.length > 0 && !intent.rest) {
        if (intent.parts.length === 0) {
          intent.parts = [...pointed.parts];
          intent.hasOwnParts = true;
        }
        if (intent.ops.includes('recolor') && !intent.colourPairs?.length) intent.colourPairs = pairColours(intent.tokens, () => [], intent.parts);
      }
      if (intent.ops.length === 0) {
        // A clause naming parts only ("…，头发", "the scarf and") adds them to its neighbour;
        // one that also says something no rule read ("整体色调偏暖") was not understood.
        const saysMore = tokens.some((tk) => UNREAD_CONTENT.has(tk.kind) && !isQuietOther(tk));
        if (intent.parts.length > 0 && !saysMore) {
          const prev = intents[intents.length - 1];
          if (prev && prev.hasOwnParts && !prev.rest) prev.parts = union(prev.parts, intent.parts);
          else {
            pending = union(pending, intent.parts);
            pendingClauses.push(clause);
          }
          skipped.push({ clause, outcome: 'parts' });
        } else skipped.push({ clause, outcome: tokens.some((tk) => tk.kind === 'ask') ? 'ask' : 'unknown' });
        continue;
      }
      if (pending.length > 0 && !intent.rest) {
        intent.parts = union(pending, intent.hasOwnParts ? intent.parts : []);
        intent.hasOwnParts = true;
        pending = [];
        pendingClauses = [];
      }
      intents.push(intent);
    }
    // Parts named last with nothing to do ("…, and the hat") were not understood.
    for (const clause of pendingClauses) {
      const at = skipped.findIndex((s) => s.clause === clause);
      if (at >= 0) skipped[at]!.outcome = 'unknown';
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
    return { intents: this.keepAndReplace(intents, available), skipped };
  }

  /**
   * "keep only me, replace the rest with a beach", "保留人物，背景换成海滩": what is kept is left as
   * it is (no cut-out), and "the rest" means every part the kept ones are not.
   */
  private keepAndReplace(intents: Intent[], available: readonly string[]): Intent[] {
    let kept: string[] = [];
    const out: Intent[] = [];
    for (const intent of intents) {
      if (intent.rest) {
        const cutAt = findLastIndex(out, (i) => i.ops.includes('cutout'));
        // "keep just me, remove everything else" is the cut-out itself.
        if (cutAt >= 0 && intent.ops.every((op) => op === 'remove' || op === 'transparent')) continue;
        if (cutAt >= 0) {
          kept = union(kept, out[cutAt]!.parts);
          out.splice(cutAt, 1);
        } else for (const prev of out) kept = union(kept, prev.parts.filter((p) => p !== WHOLE_IMAGE));
        intent.parts = available.filter((l) => !kept.includes(l));
        intent.hasOwnParts = intent.parts.length > 0;
        if (intent.ops.includes('recolor')) intent.colourPairs = pairColours(intent.tokens, () => [], intent.parts);
        this.decideBackground(intent, available);
        // "replace the rest with white" (not "paint the rest white"): new content, repainted.
        const painted = intent.tokens.some((tk) => tk.kind === 'verb' && tk.verb === 'paint');
        if (intent.ops.length === 1 && intent.ops[0] === 'recolor' && !painted) intent.ops = ['change'];
      }
      out.push(intent);
    }
    // A cut-out next to an edit of what it would make transparent was a "keep as it is".
    const cutAt = out.findIndex((i) => i.ops.length === 1 && i.ops[0] === 'cutout');
    if (cutAt >= 0) {
      const cut = out[cutAt]!.parts;
      const editsOutside = out.some(
        (i, k) => k !== cutAt && i.parts.length > 0 && !i.parts.includes(WHOLE_IMAGE) && i.parts.every((p) => !cut.includes(p)) && i.ops.some((op) => op !== 'cutout'),
      );
      if (editsOutside) out.splice(cutAt, 1);
    }
    return out;
  }

  /** One clause → operations + parts (+ target tokens for change/recolor/face). */
  private analyse(clause: Clause, available: readonly string[], prev: Intent | undefined): Intent {
    const { tokens, joinNext } = clause;
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
    // "I want to change X to Y": the change verb matters, not "want" or "use".
    const weak = (tk: Token) => tk.kind === 'verb' && (tk.verb === 'give' || tk.verb === 'use');
    let verbAt = scope.findIndex((tk) => tk.kind === 'verb' && !weak(tk));
    if (verbAt < 0) verbAt = scope.findIndex((tk) => tk.kind === 'verb');
    // "remove the bag" is a removal; "change the background to a beach without people" is not.
    const exclusive = opTokens.find(
      (tk) => (tk.op === 'swap_face' || tk.op === 'cutout' || tk.op === 'remove') && (verbAt < 0 || scope.indexOf(tk) < verbAt),
    );
    const isBackgroundWord = (tk: Token) => tk.kind === 'part' && this.isBackground(this.labelsOf(tk, available));

    // "use the other photo as the background", "用第二张照片做背景": a background from the second photo.
    const usesPhoto = has('source') || (scope.some((tk) => tk.kind === 'verb' && tk.verb === 'use') && has('whole') && scope.some(isBackgroundWord));
    if (usesPhoto && opTokens.length === 0 && (scope.some(isBackgroundWord) || !scope.some((tk) => tk.kind === 'part'))) {
      // Without a local background command no edit can use the other photo: reported as not understood.
      if (!this.options.localBackground) return { ops: [], parts: [], hasOwnParts: false, tokens, target: [], joinNext, bokeh: false, clause };
      const bg = this.background(available);
      return { ops: ['background'], parts: bg, hasOwnParts: bg.length > 0, tokens, target: [], joinNext, bokeh: false, clause, background: { source: 'photo', colours: [] } };
    }

    let parts: string[] = [];
    let target: Token[] = [];
    let colourPairs: Intent['colourPairs'];
    let rest = false;
    let describe = false;
    const collectParts = (list: Token[]) => {
      list.forEach((tk, i) => {
        // "人物的上衣", "the person's shirt": the person only says whose part it is.
        let j = i + 1;
        while (list[j]?.kind === 'filler' && list[j]!.raw === '的') j++;
        const next = list[j];
        if (this.isPerson(tk) && next?.kind === 'part' && !this.isPerson(next)) return;
        if (partIdx(tk)) parts = union(parts, this.labelsOf(tk, available));
      });
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
      } else if (verb.verb === 'wear') {
        // "系一条棕色腰带", "put on a red scarf": the part worn is where it goes and what it becomes.
        source = scope.filter((tk, i) => partIdx(tk) && i !== verbAt);
        target = scope.slice(verbAt + 1).filter((tk) => tk.kind !== 'whole');
      } else {
        source = scope.filter((tk, i) => partIdx(tk) && i !== verbAt);
        target = scope.slice(verbAt + 1).filter((tk) => !partIdx(tk));
      }
      // "给人物戴上一顶帽子", "give her a smile": the person is who receives it, not the part to edit.
      if ((verb.verb === 'wear' || verb.verb === 'give') && target.some((tk) => tk.kind === 'garment' || tk.kind === 'face' || (tk.kind === 'part' && !this.isPerson(tk)))) {
        source = source.filter((tk) => !this.isPerson(tk));
        target = target.filter((tk) => !this.isPerson(tk));
      }
      rest = source.some((tk) => tk.kind === 'rest') || (!source.some(partIdx) && scope.some((tk) => tk.kind === 'rest'));
      if (!rest) collectParts(source);
      if (!rest && parts.length === 0 && source.some((tk) => tk.kind === 'it') && prev) parts = [...prev.parts];
      if (!rest && parts.length === 0 && marker) collectParts(target);
      if (!rest && parts.length === 0) {
        for (const tk of target) if (tk.kind === 'garment') parts = union(parts, this.labelsOf(tk, available));
      } else if (!rest) {
        // "把上衣换成西装": a garment that covers more than the part named (a suit: top and trousers) takes the rest of it too, where the photo has it.
        for (const tk of target) {
          if (tk.kind !== 'garment') continue;
          const covers = this.match(tk.labels[0]!) ?? [];
          const present = tk.labels.flatMap((w) => this.match(w, available) ?? []);
          if (parts.every((p) => present.includes(p) || covers.includes(p))) parts = union(parts, present);
        }
      }
      // "换成白色背景", "replace the rest with a white background": a colour (or gradient, or the
      // other photo) with the word background is a background, not new content.
      const backgroundLike = target.some((tk) => tk.kind === 'colour' || tk.kind === 'gradient' || tk.kind === 'source');
      const content = target.filter((tk) => CONTENT.has(tk.kind) && !isQuietOther(tk) && !(backgroundLike && isBackgroundWord(tk)));
      const colours = target.filter((tk) => tk.kind === 'colour');
      const targetOps = target.filter((tk) => tk.kind === 'op' || tk.kind === 'bokeh' || tk.kind === 'adjust');
      if (content.length === 0 && colours.length > 0) {
        ops.add('recolor');
        colourPairs = pairColours(scope, (tk) => (partIdx(tk) && !(rest && isBackgroundWord(tk)) ? this.labelsOf(tk, available) : []), parts);
      } else if (content.length === 0 && targetOps.length > 0) {
        for (const tk of targetOps) addKeywordOp(ops, tk);
      } else if (content.some((tk) => tk.kind === 'face') && (parts.length === 0 || isOnly(parts, 'Face'))) {
        ops.add('face');
        parts = [];
      } else if (content.length > 0 || (backgroundLike && target.some((tk) => tk.kind === 'source'))) {
        if (!rest && parts.length === 0 && (verb.verb === 'place' || target.some((tk) => tk.kind === 'scene'))) parts = this.background(available);
        // "make it look like a painting": "it" is the previous clause's parts, or the whole photo.
        if (!rest && parts.length === 0 && scope.some((tk) => tk.kind === 'it')) parts = prev ? [...prev.parts] : [WHOLE_IMAGE];
        if (isOnly(parts, 'Face')) {
          ops.add('face');
          parts = [];
        } else ops.add('change');
      }
      if (ops.size === 0 && opTokens.length > 0) for (const tk of opTokens) addKeywordOp(ops, tk);
    } else {
      rest = scope.some((tk) => tk.kind === 'rest');
      collectParts(scope);
      for (const tk of scope) addKeywordOp(ops, tk);
      if (exclusive && exclusive.op === 'remove' && has('face') && (parts.length === 0 || isOnly(parts, 'Face'))) {
        // "去掉痘痘", "remove the dark circles": a wish for the face, not a part to remove.
        ops.clear();
        ops.add('face');
        parts = [];
      } else if (exclusive) {
        ops.clear();
        ops.add(exclusive.op as Op);
        // "cut me out", "remove the person": the person pronoun means the person's parts here.
        if (parts.length === 0) for (const tk of scope) if (tk.kind === 'me') parts = union(parts, this.labelsOf(tk, available));
      } else if (!ops.has('grayscale') && !ops.has('blur') && !ops.has('adjust')) {
        const colours = scope.filter((tk) => tk.kind === 'colour');
        const onlyBeauty = ops.size === 0 || (ops.size === 1 && ops.has('beauty'));
        // "背景是一片蓝色的大海": a colour with new content describes the content, it is no recolour.
        const richer = scope.some((tk) => tk.kind === 'scene' || tk.kind === 'garment' || tk.kind === 'word');
        if (colours.length > 0 && (parts.length > 0 || rest) && !has('face') && !richer) {
          ops.clear();
          ops.add('recolor');
          colourPairs = pairColours(scope, (tk) => (partIdx(tk) && !rest ? this.labelsOf(tk, available) : []), parts);
        } else if ((has('face') && onlyBeauty && (parts.length === 0 || isOnly(parts, 'Face') || isOnly(parts, WHOLE_IMAGE))) || (ops.has('beauty') && ops.size === 1 && isOnly(parts, 'Face'))) {
          // "美颜并增强笑容", "加强眼部细节", "touch up my face": wishes for the face go to the face, with the beautify wish.
          ops.clear();
          ops.add('face');
          parts = [];
        } else if (ops.size === 0 && !parts.includes(WHOLE_IMAGE) && !has('ask')) {
          // "头发更加丰盈", "草裙", "印潮流图案的衬衫": parts (or a garment) and what they should
          // become, no verb. The prompt says the part last: "voluminous hair".
          const garments = scope.filter((tk) => tk.kind === 'garment');
          if (parts.length === 0 && !rest) for (const tk of garments) parts = union(parts, this.labelsOf(tk, available));
          const described = scope.filter((tk) => CONTENT.has(tk.kind) && tk.kind !== 'part' && !isQuietOther(tk));
          if ((parts.length > 0 || rest) && described.length > 0) {
            const words = scope.filter((tk) => !partIdx(tk) && tk.kind !== 'rest' && tk.kind !== 'garment');
            target = [...words, ...scope.filter((tk) => tk.kind === 'part' || tk.kind === 'garment')];
            if (isOnly(parts, 'Face')) {
              ops.add('face');
              parts = [];
            } else {
              ops.add('change');
              describe = true;
            }
          }
        }
      }
      if (ops.has('face')) target = scope.filter((tk) => tk.kind === 'face' || tk.kind === 'other' || tk.kind === 'word' || tk.kind === 'modifier');
      if (ops.size === 0 && parts.length === 0 && !rest && scope.some((tk) => tk.kind === 'scene') && !has('ask')) {
        ops.add('change');
        target = scope.filter((tk) => !partIdx(tk));
        parts = this.background(available);
      }
    }

    if (exceptAt >= 0) {
      // "除了人物以外，其余都换成星空": the rest is what the except phrase leaves.
      if (rest) {
        rest = false;
        parts = [];
        if (ops.has('recolor')) colourPairs = undefined;
      }
      const excluded: string[] = [];
      for (const tk of excludedTokens) {
        if (partIdx(tk) || tk.kind === 'me') excluded.push(...this.labelsOf(tk, available));
      }
      const base = parts.length === 0 || parts.includes(WHOLE_IMAGE) ? [...available] : parts;
      parts = base.filter((l) => !excluded.includes(l));
    }
    if (!rest && parts.length === 0 && scope.some((tk) => tk.kind === 'it') && prev) parts = [...prev.parts];
    if (ops.has('recolor') && !colourPairs?.length && parts.length > 0) colourPairs = pairColours(scope, () => [], parts);
    const intent: Intent = {
      ops: [...ops],
      parts: rest ? [] : parts,
      hasOwnParts: !rest && parts.length > 0,
      tokens,
      target,
      colourPairs,
      joinNext,
      bokeh: scope.some((tk) => tk.kind === 'bokeh'),
      clause,
      ...(rest ? { rest: true } : {}),
      ...(describe ? { describe: true } : {}),
      ...(ops.has('face') && opTokens.some((tk) => tk.op === 'beauty') ? { faceBeauty: true } : {}),
    };
    if (!rest) this.decideBackground(intent, available);
    return intent;
  }

  /**
   * A new background made locally when the command language has one: "white background",
   * "换成白色背景", "背景换成蓝白渐变", "studio backdrop", "use the other photo as the background".
   * "make the sky pink" (a paint verb) stays a recolour that keeps the sky's shading.
   */
  private decideBackground(intent: Intent, available: readonly string[]): void {
    if (!this.options.localBackground) return;
    const bg = this.background(available);
    if (intent.parts.length === 0 || bg.length === 0 || !intent.parts.every((p) => bg.includes(p))) return;
    const tokens = intent.tokens;
    const colours = tokens.filter((tk) => tk.kind === 'colour').map((tk) => (tk as Extract<Token, { kind: 'colour' }>).hex);
    const verb = tokens.find((tk) => tk.kind === 'verb') as Extract<Token, { kind: 'verb' }> | undefined;
    const painted = verb?.verb === 'paint';
    let wish: BackgroundWish | undefined;
    const only = intent.ops.length === 1 ? intent.ops[0] : undefined;
    const others = intent.target.filter((tk) => CONTENT.has(tk.kind) && !isQuietOther(tk) && !(tk.kind === 'part' && this.isBackground(this.labelsOf(tk, available))));
    if (tokens.some((tk) => tk.kind === 'source') || (verb?.verb === 'use' && tokens.some((tk) => tk.kind === 'whole'))) wish = { source: 'photo', colours: [] };
    else if (tokens.some((tk) => tk.kind === 'gradient') && (only === 'recolor' || only === 'change' || only === undefined)) wish = { source: 'gradient', colours: colours.slice(0, 2) };
    else if (only === 'change' && others.length > 0 && others.every((tk) => tk.kind === 'scene' && tk.gloss === 'studio backdrop')) wish = { source: 'backdrop', colours: colours.slice(0, 1) };
    else if (only === 'recolor' && colours.length > 0 && !painted) wish = { source: 'color', colours: colours.slice(0, 1) };
    if (!wish) return;
    intent.ops = ['background'];
    intent.background = wish;
  }

  /** A word for the whole person ("人物", "me", "her"). */
  private isPerson(tk: Token): boolean {
    if (tk.kind === 'me') return true;
    if (tk.kind !== 'part') return false;
    const labels = this.match(tk.word) ?? [];
    return labels.includes('Face') && labels.includes('Hair') && labels.length > 3;
  }

  private isBackground(labels: readonly string[]): boolean {
    const bg = this.match('Background') ?? ['Background'];
    return labels.length > 0 && labels.every((l) => bg.includes(l));
  }

  /** The background label(s) of the photo, else of the model. */
  background(available: readonly string[]): string[] {
    return this.match('Background', available) ?? this.match('Background') ?? [];
  }
}
