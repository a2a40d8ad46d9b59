import type { Capabilities } from '../../core/availability.js';
import type { Command, ParseResult, WireCommand } from '../../core/commands.js';
import type { CommandRule } from '../../config/schemas/commands.js';
import { colorNames, normalizeColor } from '../commands/colors.js';

/**
 * What a proposal offers, decided before any click: every command either can run now, waits for
 * the parts model that is downloading (and then runs by itself), is replaced by a clearly
 * labelled local equivalent, or is said to be impossible now with what it needs.
 */

/** What a command needs that is missing. */
export type Need = 'generator' | 'parts' | 'second-photo' | 'inpaint';

export interface OfferContext {
  capabilities: Capabilities;
  /** A second photo came with the first (the face for a face swap, a new background). */
  secondPhoto: boolean;
}

/** The parts of the command language the offer needs (CommandLanguage has them). */
export interface OfferLanguage {
  rule(name: string): Pick<CommandRule, 'executor'> | undefined;
  validate(items: readonly unknown[]): ParseResult;
  /** Whether a command cannot run without the photo's parts (the executor knows). */
  needsParts(command: Command): boolean;
  /**
   * Whether a backend that can run this command is configured (the executor knows: OpenAI image
   * edits cannot swap faces, erase also runs on the embedded inpainting model). Default: yes.
   */
  canRun?(command: string): boolean;
}

/** A local equivalent offered instead of a generative edit that cannot run here. */
export interface Substitute {
  wanted: Command;
  offered: Command[];
  /** A background replacement could use a photo the user sends (said as a hint, not a button). */
  photoHint?: boolean;
}

export interface Blocked {
  command: Command;
  need: Need;
}

export interface Offer {
  /** Can run now. */
  runnable: Command[];
  /** Need the parts model, which is downloading: they wait for it and then run. */
  waiting: Command[];
  /** Generative wishes answered with local equivalents (which are in `runnable` or `waiting`). */
  substitutes: Substitute[];
  /** Cannot run now, and what each needs. */
  blocked: Blocked[];
}

const BACKGROUND = 'Background';
const WHOLE = '*';
/** Words that say nothing beyond "a colour" in a background prompt ("plain white background"). */
const FILLER = new Set(['a', 'an', 'the', 'plain', 'solid', 'pure', 'simple', 'clean', 'background', 'backdrop', 'color', 'colour', 'colored', 'coloured', 'studio', 'with', 'and', 'in']);
const CJK_COLOURS = colorNames()
  .filter((n) => /[\u3400-\u9fff]/.test(n))
  .sort((a, b) => b.length - a.length);

function labelsOf(cmd: Command): string[] {
  const labels = cmd.args.labels;
  return Array.isArray(labels) ? labels.map(String) : [];
}

function promptOf(cmd: Command): string {
  const prompt = cmd.args.prompt;
  return typeof prompt === 'string' ? prompt : '';
}

/** The colour a short prompt names ("red shirt", "light blue", "白色"), and whether it names nothing else. */
export function colourIn(prompt: string): { color: string; only: boolean } | undefined {
  const words = prompt.toLowerCase().match(/[a-z]+|[\u3400-\u9fff]+|#[0-9a-f]{3,6}/g) ?? [];
  for (let i = 0; i < words.length; i++) {
    for (const span of [2, 1]) {
      const phrase = words.slice(i, i + span);
      if (phrase.length < span) continue;
      const color = normalizeColor(phrase.join(' '));
      if (!color) continue;
      const rest = [...words.slice(0, i), ...words.slice(i + span)].filter((w) => !FILLER.has(w));
      return { color, only: rest.length === 0 };
    }
    const cjk = CJK_COLOURS.find((name) => words[i]!.includes(name));
    if (cjk) return { color: normalizeColor(cjk)!, only: words.length === 1 && words[i] === cjk };
  }
  return undefined;
}

function same(a: Command, b: Command): boolean {
  return a.command === b.command && JSON.stringify(a.args) === JSON.stringify(b.args);
}

/**
 * Local equivalents of a generative edit when no generator is configured: a recolour for
 * "make the shirt red", a blur (or a colour or the user's second photo, where background
 * replacement exists) for a new background, a gentle local enhancement for "beautify". Faces
 * have none.
 */
function localEquivalents(cmd: Command, ctx: OfferContext, lang: OfferLanguage): Substitute | undefined {
  const make = (...wire: WireCommand[]) => lang.validate(wire).commands;
  if (cmd.command === 'beauty') {
    const offered = make({ command: 'adjust', paras: [[WHOLE], 5, 10, 10] });
    return offered.length ? { wanted: cmd, offered } : undefined;
  }
  if (cmd.command !== 'change') return undefined;
  const labels = labelsOf(cmd);
  const colour = colourIn(promptOf(cmd));
  const offered: Command[] = [];
  let photoHint = false;
  const parts = labels.filter((l) => l !== BACKGROUND && l !== WHOLE);
  if (labels.includes(BACKGROUND)) {
    const replace = Boolean(lang.rule('background'));
    if (replace && colour?.only) offered.push(...make({ command: 'background', paras: ['color', colour.color] }));
    else if (replace && ctx.secondPhoto) offered.push(...make({ command: 'background', paras: ['photo'] }));
    else {
      offered.push(...make({ command: 'blur', paras: [[BACKGROUND], 30] }));
      photoHint = replace;
    }
  }
  if (parts.length && colour) offered.push(...make({ command: 'recolor', paras: [parts, colour.color] }));
  return offered.length ? { wanted: cmd, offered, ...(photoHint ? { photoHint } : {}) } : undefined;
}

/** Sorts commands by what can run now (see Offer). */
export function offerCommands(commands: readonly Command[], ctx: OfferContext, lang: OfferLanguage): Offer {
  const out: Offer = { runnable: [], waiting: [], substitutes: [], blocked: [] };
  const { parts, generator, inpaint } = ctx.capabilities;
  const backed = (cmd: Command) => lang.canRun?.(cmd.command) ?? true;
  const place = (cmd: Command) => {
    if ([...out.runnable, ...out.waiting].some((c) => same(c, cmd))) return;
    if (cmd.command === 'background' && cmd.args.source === 'photo' && !ctx.secondPhoto) return void out.blocked.push({ command: cmd, need: 'second-photo' });
    if (parts.state !== 'ready' && lang.needsParts(cmd)) {
      if (parts.state === 'downloading') out.waiting.push(cmd);
      else out.blocked.push({ command: cmd, need: 'parts' });
      return;
    }
    out.runnable.push(cmd);
  };
  for (const cmd of commands) {
    const rule = lang.rule(cmd.command);
    if (rule?.executor !== 'generative') {
      place(cmd);
      continue;
    }
    if (cmd.command === 'erase') {
      if ((generator || inpaint) && backed(cmd)) place(cmd);
      else out.blocked.push({ command: cmd, need: 'inpaint' });
      continue;
    }
    if (!generator || !backed(cmd)) {
      const sub = localEquivalents(cmd, ctx, lang);
      if (!sub) {
        out.blocked.push({ command: cmd, need: 'generator' });
        continue;
      }
      out.substitutes.push(sub);
      for (const c of sub.offered) place(c);
      continue;
    }
    if (cmd.command === 'swap_face' && !ctx.secondPhoto) {
      out.blocked.push({ command: cmd, need: 'second-photo' });
      continue;
    }
    place(cmd);
  }
  return out;
}
