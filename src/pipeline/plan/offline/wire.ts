import type { WireCommand } from '../../../core/commands.js';
import type { MessageKey } from '../../../i18n/index.js';
import { WHOLE_IMAGE } from '../../commands/index.js';
import type { Intent } from './intent.js';
import type { AdjustDim, Direction } from './lexicon.js';
import { CJK, CJK_GLOBAL, type Token } from './tokenize.js';

const AMOUNTS: Record<AdjustDim, { normal: number; strong: number; slight: number }> = {
  brightness: { normal: 25, strong: 50, slight: 15 },
  contrast: { normal: 20, strong: 40, slight: 10 },
  saturation: { normal: 25, strong: 50, slight: 15 },
};

/** Tokens that never belong in a prompt. */
const PROMPT_DROP = new Set(['verb', 'marker', 'me', 'it', 'neg', 'sep', 'ask', 'except', 'modifier', 'rest', 'source', 'gradient', 'keep', 'too']);
const PROMPT_KEEP_FILLERS = new Set(['on', 'in', 'at', 'of', 'for', 'new', 'all']);
/** Kinds whose Chinese words must reach the prompt in English (else they are reported). */
const GLOSSED_KINDS = new Set(['other', 'word', 'scene', 'garment', 'part', 'face', 'colour']);
const LEADING_PREPOSITIONS = new Set(['on', 'in', 'at', 'of', 'for', 'onto']);

/** What turning intents into commands needs to know about the photo and the command language. */
export interface WireContext {
  /** The photo's background labels. */
  background: () => string[];
  /** Whether the command language has a command of this name (erase, background are newer). */
  hasCommand: (name: string) => boolean;
}

export type WireResult = { items: WireCommand[]; untranslated: string[] } | { clarify: MessageKey; params?: Record<string, string> };

/**
 * One intent → wire commands (validated later, like an LLM's reply) plus the Chinese words no
 * English was found for (left out of the prompts), or the question to ask when the intent
 * cannot be turned into a safe edit.
 */
export function intentToWire(intent: Intent, ctx: WireContext): WireResult {
  const items: WireCommand[] = [];
  const untranslated: string[] = [];
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
        if (intent.parts.length === 0) return { clarify: 'plan.clarify_parts' };
        items.push({ command: 'cutout', paras: [intent.parts] });
        break;
      case 'remove':
      case 'transparent': {
        if (intent.parts.length === 0) return { clarify: 'plan.clarify_parts' };
        // "remove the background" is a cut-out (transparent); "remove the bag" fills it with background.
        const bg = ctx.background();
        const fill = op === 'remove' && ctx.hasCommand('erase') && !intent.parts.every((p) => bg.includes(p) || p === 'Background');
        items.push({ command: fill ? 'erase' : 'remove', paras: [intent.parts] });
        break;
      }
      case 'grayscale':
        items.push({ command: 'grayscale', paras: [wholeOr([WHOLE_IMAGE])] });
        break;
      case 'blur': {
        // "虚化" / "bokeh" / a bare "blur" mean the portrait look: the background.
        const labels = intent.parts.length > 0 ? intent.parts : ctx.background();
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
      case 'background': {
        const wish = intent.background!;
        items.push({ command: 'background', paras: [wish.source, ...wish.colours] });
        break;
      }
      case 'change': {
        // Repainting the whole photo from a guess would be destructive: ask instead.
        if (intent.parts.length === 0 || intent.parts.includes(WHOLE_IMAGE)) return { clarify: 'plan.clarify_parts' };
        const { prompt, missing } = promptOf(intent.target);
        untranslated.push(...missing);
        if (!prompt && missing.length > 0) return { clarify: 'plan.untranslated', params: { words: missing.join(', ') } };
        if (!prompt) return { clarify: 'plan.clarify_operation', params: { parts: intent.parts.join(', ') } };
        items.push({ command: 'change', paras: [intent.parts, prompt] });
        break;
      }
      case 'face': {
        const { prompt, missing } = facePrompt(intent);
        untranslated.push(...missing);
        items.push({ command: 'face', paras: [prompt || 'natural smile'] });
        break;
      }
      case 'beauty':
        items.push({ command: 'beauty', paras: [] });
        break;
    }
  }
  return { items, untranslated };
}

/**
 * The face prompt: each wish in English, intensified where the text asks for more ("增强笑容" →
 * "bigger smile"), with the words describing it in front ("笑容更灿烂" → "radiant smile"), after
 * "beautiful face" when the clause also asks to beautify.
 */
function facePrompt(intent: Intent): { prompt: string; missing: string[] } {
  const wishes: { gloss: string; words: Token[] }[] = [];
  const missing: string[] = [];
  let more = false;
  let before: Token[] = [];
  for (const tk of intent.tokens) {
    if (tk.kind === 'modifier' && (tk.dir === 'up' || tk.amount === 'strong')) more = true;
    else if (tk.kind === 'face') {
      wishes.push({ gloss: more && tk.more ? tk.more : tk.gloss, words: before });
      before = [];
      more = false;
    } else if ((tk.kind === 'other' || tk.kind === 'word') && intent.target.includes(tk)) {
      // Words after a wish describe it ("笑容更灿烂"); words before the first wish describe that one.
      const last = wishes[wishes.length - 1];
      if (last) last.words.push(tk);
      else before.push(tk);
    }
  }
  const pieces: string[] = intent.faceBeauty ? ['beautiful face'] : [];
  for (const w of wishes) {
    const words = promptOf(w.words);
    missing.push(...words.missing);
    pieces.push(words.prompt ? `${words.prompt} ${w.gloss}` : w.gloss);
  }
  if (before.length > 0) {
    const words = promptOf(before);
    missing.push(...words.missing);
    if (words.prompt) pieces.push(words.prompt);
  }
  const unique = pieces.filter((p, i) => pieces.indexOf(p) === i);
  return { prompt: unique.join(', '), missing };
}

/** "整体调暗，增加一点对比度": adjustments of the same parts become one adjust (the larger change per dimension wins). */
export function mergeAdjustments(items: WireCommand[]): WireCommand[] {
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

/**
 * The English prompt of a target: English words as written, Chinese ones through their gloss.
 * A Chinese word without English is left out and returned in `missing`; no Chinese character
 * ever reaches the prompt (generators read English only).
 */
export function promptOf(target: Token[]): { prompt: string; missing: string[] } {
  const words: string[] = [];
  const missing: string[] = [];
  for (const tk of target) {
    if (PROMPT_DROP.has(tk.kind)) continue;
    if (tk.kind === 'filler' && !PROMPT_KEEP_FILLERS.has(tk.raw)) continue;
    if (tk.kind === 'and') {
      words.push('and');
      continue;
    }
    if (!CJK.test(tk.raw)) {
      if (/[a-z0-9]/.test(tk.raw)) words.push(tk.raw);
      continue;
    }
    const gloss = 'gloss' in tk && typeof tk.gloss === 'string' ? tk.gloss : undefined;
    // Chinese grammar words inside a target ("整个", "去掉") carry no content for the generator.
    if (!gloss && !GLOSSED_KINDS.has(tk.kind)) continue;
    if (gloss) words.push(gloss);
    if (tk.kind === 'other' && tk.missing?.length) missing.push(...tk.missing);
    else if (!gloss) missing.push(tk.raw);
  }
  while (words.length > 0 && (LEADING_PREPOSITIONS.has(words[0]!) || words[0] === 'and')) words.shift();
  while (words.length > 0 && (LEADING_PREPOSITIONS.has(words[words.length - 1]!) || words[words.length - 1] === 'and')) words.pop();
  const deduped = words.filter((w, i) => i === 0 || w !== words[i - 1]);
  const prompt = deduped.join(' ').replace(CJK_GLOBAL, '').replace(/\s+/g, ' ').trim().slice(0, 300);
  return { prompt, missing };
}
