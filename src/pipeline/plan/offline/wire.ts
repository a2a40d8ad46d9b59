import type { WireCommand } from '../../../core/commands.js';
import type { MessageKey } from '../../../i18n/index.js';
import { WHOLE_IMAGE } from '../../commands/index.js';
import type { Intent } from './intent.js';
import type { AdjustDim, Direction } from './lexicon.js';
import type { Token } from './tokenize.js';

const AMOUNTS: Record<AdjustDim, { normal: number; strong: number; slight: number }> = {
  brightness: { normal: 25, strong: 50, slight: 15 },
  contrast: { normal: 20, strong: 40, slight: 10 },
  saturation: { normal: 25, strong: 50, slight: 15 },
};

/** Tokens that never belong in a prompt. */
const PROMPT_DROP = new Set(['verb', 'marker', 'me', 'it', 'neg', 'sep', 'ask', 'except', 'modifier']);
const PROMPT_KEEP_FILLERS = new Set(['on', 'in', 'at', 'of', 'for', 'new', 'all']);
const LEADING_PREPOSITIONS = new Set(['on', 'in', 'at', 'of', 'for', 'onto']);

/**
 * One intent → wire commands (validated later, like an LLM's reply), or the question to ask when
 * the intent cannot be turned into a safe edit. `background` gives the photo's background parts.
 */
export function intentToWire(intent: Intent, background: () => string[]): { items: WireCommand[] } | { clarify: MessageKey; params?: Record<string, string> } {
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
        const labels = intent.parts.length > 0 ? intent.parts : background();
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
