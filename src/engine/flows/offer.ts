import type { PartsState } from '../../core/availability.js';
import type { Locale } from '../../i18n/index.js';
import { offerCommands, type Offer } from '../../pipeline/plan/offer.js';
import type { EngineContext } from '../context.js';
import type { Command } from '../deps.js';
import { audienceOf, cannotField, insteadField, partsSentence, segmentWhy } from '../present/availability.js';
import type { ThreadSession } from '../state/session.js';
import type { Segmented } from './photos.js';

type Field = { label: string; value: string };

/** What a proposal may offer for these commands, with the fields that say what was replaced or is impossible. */
export interface Offered extends Offer {
  /** Advice text (not executed). */
  advice: string[];
  /** The parts model as it is for this photo. */
  parts: PartsState;
  /** "Instead" and "Not possible here", for the reply. */
  fields: Field[];
  /** Why part edits cannot run on this photo (in the reply's language, for the thread's audience); undefined when they can. */
  partsWhy?: string;
}

/**
 * Sorts planned or suggested commands by what can run now (pipeline/plan/offer.ts): the
 * capabilities of the bot, the parts of this photo, and whether a second photo came with it.
 */
export function offerFor(ctx: EngineContext, commands: Command[], o: { seg: Segmented; session: ThreadSession; locale: Locale }): Offered {
  const { catalog, executor } = ctx.deps;
  const caps = ctx.capabilities();
  const advice: string[] = [];
  const edits: Command[] = [];
  for (const cmd of commands) {
    if (catalog?.rule(cmd.command)?.executor === 'text' || cmd.command === 'advice') {
      const text = Object.values(cmd.args).find((v) => typeof v === 'string');
      if (typeof text === 'string' && text.trim()) advice.push(text.trim());
    } else edits.push(cmd);
  }
  // The photo's own parts: split → ready; not tried → the model's state; tried and failed → failed.
  const parts: PartsState = o.seg.map
    ? { state: 'ready', model: '', via: 'local' }
    : (o.seg.unavailable ?? (caps.parts.state !== 'ready' ? caps.parts : { state: 'failed', model: caps.parts.model, detail: o.seg.error ?? '?' }));
  const offer = offerCommands(
    edits,
    { capabilities: { ...caps, parts }, secondPhoto: Boolean(o.session.faceSource) },
    {
      rule: (name) => catalog?.rule(name),
      validate: (items) => catalog?.validate?.(items) ?? { commands: [], rejected: [] },
      needsParts: (c) => executor.needsSegmentation([c]),
      canRun: executor.canRun ? (name) => executor.canRun!(name) : undefined,
    },
  );
  const names = ctx.names(o.locale);
  const audience = audienceOf(o.session.thread.platform);
  // The model is missing (one sentence and fix from the availability model), or this photo could not be split.
  const partsWhy = parts.state === 'ready' ? undefined : !o.seg.unavailable && caps.parts.state !== 'ready' ? partsSentence(parts, o.locale, audience) : segmentWhy(o.seg, o.locale, audience);
  const fields = [insteadField(offer.substitutes, o.locale, names), cannotField(offer.blocked, { locale: o.locale, names, partsWhy: partsWhy ?? '', audience })].filter(
    (f): f is Field => f !== undefined,
  );
  return { ...offer, advice, parts, fields, partsWhy };
}
