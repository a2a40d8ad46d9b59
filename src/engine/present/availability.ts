import { explainGenerator, explainParts, sentence, type Audience, type PartsState } from '../../core/availability.js';
import { t, type Locale, type MessageKey } from '../../i18n/index.js';
import type { Blocked, Substitute } from '../../pipeline/plan/offer.js';
import type { Platform } from '../types.js';
import { describeCommand, truncate, type LabelNames } from './describe.js';

type Field = { label: string; value: string };

/**
 * Who reads a chat's replies: the playground is the operator's own page (it may name commands and
 * variables); Discord, Slack and Feishu are people, who get plain sentences.
 */
export function audienceOf(platform: Platform): Audience {
  return platform === 'web' ? 'operator' : 'people';
}

/** The parts model's state as a sentence for this audience, with the fix for operators. */
export function partsSentence(parts: PartsState, locale: Locale, audience: Audience): string {
  return sentence(explainParts(parts, locale, audience));
}

/**
 * Why a photo's parts are not there, for this audience: the availability model's sentence when the
 * model is missing; otherwise the segmenter's own explanation for operators (it may name a command)
 * and a plain sentence for people.
 */
export function segmentWhy(seg: { error?: string; explained?: boolean; unavailable?: PartsState }, locale: Locale, audience: Audience): string {
  if (seg.unavailable) return partsSentence(seg.unavailable, locale, audience);
  if (audience === 'people') return t(locale, 'avail.people_parts_unavailable');
  if (seg.explained && seg.error) return seg.error;
  return t(locale, 'engine.segment_unavailable', { reason: seg.error ?? t(locale, 'engine.failed_unknown') });
}

/**
 * A job's failure as this audience reads it: models' own messages (a missing or broken parts or
 * inpainting model) name operator commands, so people get a plain sentence and operators the message.
 */
export function failureText(err: { key: MessageKey; params: Record<string, string | number> }, locale: Locale, audience: Audience): string {
  if (audience === 'people') {
    if (err.key.startsWith('segment.')) return t(locale, 'avail.people_parts_unavailable');
    if (err.key.startsWith('inpaint.')) return t(locale, 'avail.people_erase_unavailable');
  }
  return t(locale, err.key, err.params);
}

/** "Getting ready: downloading the parts model (45 %)…": what a waiting part edit shows, for everyone. */
export function downloadStatus(parts: PartsState, locale: Locale): string {
  return explainParts(parts, locale, 'people').text;
}

/** Generative wishes answered with local equivalents: what was asked, what is offered instead. */
export function insteadField(subs: Substitute[], locale: Locale, names: LabelNames): Field | undefined {
  if (!subs.length) return undefined;
  const lines = subs.map((s) =>
    t(locale, 'engine.instead', {
      wanted: describeCommand(s.wanted, locale, 60, names),
      offered: s.offered.map((c) => describeCommand(c, locale, 60, names)).join(locale === 'zh-CN' ? '、' : ', '),
    }),
  );
  if (subs.some((s) => s.photoHint)) lines.push(t(locale, 'engine.instead_photo'));
  return { label: t(locale, 'engine.field_instead'), value: truncate(lines.join('\n'), 1000) };
}

/** What cannot run here and what it needs, said before any click: one line per cause, with one fix for operators. */
export function cannotField(blocked: Blocked[], o: { locale: Locale; names: LabelNames; partsWhy: string; audience: Audience }): Field | undefined {
  if (!blocked.length) return undefined;
  const { locale, names, partsWhy, audience } = o;
  const sep = locale === 'zh-CN' ? '”“' : '”, “';
  const byNeed = new Map<string, Blocked[]>();
  for (const b of blocked) {
    const need = b.need === 'second-photo' ? `${b.need}:${b.command.command === 'swap_face' ? 'face' : 'background'}` : b.need;
    byNeed.set(need, [...(byNeed.get(need) ?? []), b]);
  }
  const lines = [...byNeed].map(([need, group]) => {
    const command = group.map((b) => describeCommand(b.command, locale, 60, names)).join(sep);
    if (need === 'generator') return t(locale, 'engine.needs_generator', { command, why: sentence(explainGenerator(locale, audience)) });
    if (need === 'parts') return t(locale, 'engine.needs_parts', { command, why: partsWhy });
    if (need === 'inpaint') return t(locale, 'engine.needs_inpaint', { command });
    return t(locale, need === 'second-photo:face' ? 'engine.needs_swap_photo' : 'engine.needs_background_photo', { command });
  });
  return { label: t(locale, 'engine.field_cannot'), value: truncate(lines.join('\n'), 1000) };
}
