import { actionId } from '../actions/verbs.js';
import { t, type Locale, type MessageKey } from '../../i18n/index.js';
import type { Command } from '../deps.js';
import type { FailedCheck, JobRecord } from '../state/session.js';
import type { Button, Reply, ReplyImage, ReplyKind, SelectMenu } from '../types.js';
import { buttons, fixButtons, resultButtons, retryLabel } from './buttons.js';
import { describeCommand, describeCommands, plainNames, truncate, type LabelNames } from './describe.js';

type Field = { label: string; value: string };
type Params = Record<string, string | number>;

/** A plain answer: one sentence from the catalogue. */
export function say(locale: Locale, key: MessageKey, params: Params = {}, kind: ReplyKind = 'info', extra: Partial<Reply> = {}): Reply {
  return { text: t(locale, key, params), locale, kind, ...extra };
}

/** Advice, notes and ignored files under a proposal or suggestion. */
export function commonFields(locale: Locale, o: { notes: string[]; advice: string[]; ignored: string[] }): Field[] {
  const fields: Field[] = [];
  if (o.advice.length) fields.push({ label: t(locale, 'engine.field_advice'), value: truncate(o.advice.join('\n'), 1000) });
  if (o.notes.length) fields.push({ label: t(locale, 'engine.field_note'), value: truncate(o.notes.join('\n'), 1000) });
  if (o.ignored.length) fields.push({ label: t(locale, 'engine.field_ignored_files'), value: t(locale, 'engine.not_image_files', { files: o.ignored.join(', ') }) });
  return fields;
}

/**
 * What could not be used, one line each (a long instruction's repeated clause once); past what a
 * field holds (Discord: 1024 characters) the rest is counted, never silently cut.
 */
export function notUnderstoodField(locale: Locale, reasons: string[]): Field {
  const unique = [...new Set(reasons.map((r) => r.trim()).filter(Boolean))];
  const lines: string[] = [];
  let used = 0;
  for (const [i, reason] of unique.entries()) {
    const line = `• ${truncate(reason, 200)}`;
    if (used + line.length > 900) {
      lines.push(t(locale, 'engine.and_more', { count: unique.length - i }));
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return { label: t(locale, 'engine.field_not_understood'), value: lines.join('\n') };
}

export function partsField(locale: Locale, parts: { name: string; fraction: number }[] | undefined): Field {
  const value = parts?.length ? parts.slice(0, 12).map((p) => `${p.name} ${Math.max(1, Math.round(p.fraction * 100))}%`).join(locale === 'zh-CN' ? '、' : ', ') : t(locale, 'engine.no_parts');
  return { label: t(locale, 'engine.field_parts'), value };
}

/** A job's part names (kept on the job in its language), for its progress, result and failure texts. */
export function jobNames(job: Pick<JobRecord, 'labelNames'>): LabelNames {
  const names = job.labelNames;
  return names ? (l) => names[l] ?? plainNames(l) : plainNames;
}

export function suggestionsField(locale: Locale, commands: Command[], sentences: string[], names: LabelNames = plainNames): Field {
  const ideas = commands.map((c, i) => `• ${describeCommand(c, locale, undefined, names)}${sentences[i] ? ` — ${sentences[i]}` : ''}`).join('\n');
  return { label: t(locale, 'engine.field_edits'), value: truncate(ideas, 1000) };
}

export function proposalReply(o: { text: string; fields?: Field[]; images: ReplyImage[]; locale: Locale; controls: { buttons: Button[][]; select?: SelectMenu } }): Reply {
  return { text: o.text, fields: o.fields, images: o.images.length ? o.images : undefined, ...o.controls, locale: o.locale, kind: 'proposal' };
}

/**
 * A job waiting or running, on the message that started it: what was chosen (disabled), Cancel,
 * and Retrieve when the platform may stop taking replies before the job ends.
 */
export function progressReply(job: JobRecord, p: { state: 'queued' | 'running'; position?: number; fraction?: number; waiting?: { status: string; percent?: number } }): Reply {
  const commands = describeCommands(job.commands, job.locale, jobNames(job));
  const text = p.waiting
    ? t(job.locale, 'engine.waiting_parts', { commands, status: p.waiting.status })
    : p.state === 'queued'
      ? t(job.locale, 'engine.queued', { commands, position: p.position ?? 1 })
      : p.fraction !== undefined
        ? t(job.locale, 'engine.running_percent', { commands, percent: Math.round(p.fraction * 100) })
        : t(job.locale, 'engine.running', { commands });
  const row: Button[] = [];
  if (job.chosen) row.push(buttons.chosen(job.id, job.chosen));
  row.push(buttons.stopJob(job.id, job.locale));
  if (job.mayOutliveReply) row.push(buttons.retrieve(job.id, job.locale));
  const fields = [...(job.notes ?? []), ...(job.mayOutliveReply ? [{ label: t(job.locale, 'engine.field_note'), value: t(job.locale, 'engine.reply_deadline') }] : [])];
  // While it waits for the parts model, the bar shows the download.
  const fraction = p.waiting ? (p.waiting.percent === undefined ? undefined : p.waiting.percent / 100) : p.fraction;
  return {
    text,
    ...(fields.length ? { fields } : {}),
    progress: { state: p.state, position: p.position, fraction },
    buttons: [row],
    locale: job.locale,
    kind: 'progress',
  };
}

/** What a result shows besides the image (kept on the job, so the result can be shown again). */
export function resultView(
  job: JobRecord,
  o: { applied: Command[]; skipped: { command: Command; reason: MessageKey }[]; advice: string[]; fallbackReason?: MessageKey },
): NonNullable<JobRecord['view']> {
  const locale = job.locale;
  const names = jobNames(job);
  const fields: Field[] = [...(job.notes ?? [])];
  if (o.skipped.length) fields.push({ label: t(locale, 'engine.field_skipped'), value: skippedLines(o.skipped, locale, names) });
  if (o.advice.length) fields.push({ label: t(locale, 'engine.field_advice'), value: truncate(o.advice.join('\n'), 1000) });
  if (o.fallbackReason) fields.push({ label: t(locale, 'engine.field_note'), value: t(locale, o.fallbackReason) });
  if (job.checks?.length) fields.push({ label: t(locale, 'check.field_failed'), value: failedCheckLines(job.checks, locale, names) });
  const applied = describeCommands(o.applied, locale, names);
  return { text: t(locale, 'engine.done', { commands: applied }), ...(fields.length ? { fields } : {}), alt: t(locale, 'engine.alt_result', { commands: applied }) };
}

/** What the result check found missing, one line per command ("Change upper-clothes → white: The shirt still looks beige."). */
export function failedCheckLines(checks: readonly FailedCheck[], locale: Locale, names: LabelNames = plainNames): string {
  const lines = checks.map((c) => {
    const edit = describeCommand(c.command, locale, undefined, names);
    if (c.failure === 'not_shown') return c.reason ? t(locale, 'check.not_shown', { edit, reason: c.reason }) : t(locale, 'check.not_shown_no_reason', { edit });
    return t(locale, 'check.unchanged', { edit });
  });
  return truncate(lines.join('\n'), 1000);
}

/** The edited photo with what was applied, skipped or advised. */
export function resultReply(job: JobRecord, view: NonNullable<JobRecord['view']>, image: Omit<ReplyImage, 'alt'> | undefined, o: { continued?: boolean } = {}): Reply {
  const locale = job.locale;
  return {
    text: o.continued ? `${view.text}\n${t(locale, 'engine.continue_done')}` : view.text,
    fields: view.fields?.length ? view.fields : undefined,
    ...(image ? { images: [{ ...image, alt: view.alt }] } : { keepImages: true }),
    buttons: withMore(withFixes([resultButtons(job.id, locale, { ...o, generative: Boolean(job.generative) })], job), job),
    progress: { state: 'done' },
    locale,
    kind: 'result',
  };
}

export function skippedLines(skipped: { command: Command; reason: MessageKey }[], locale: Locale, names: LabelNames = plainNames): string {
  return skipped.map((s) => `${describeCommand(s.command, locale, undefined, names)}: ${t(locale, s.reason)}`).join('\n');
}

/** A failed job, with one button to run it again, which the text names as it is labelled. */
export function failureReply(job: JobRecord, failure: string | undefined): Reply {
  const locale = job.locale;
  const label = retryLabel(locale, Boolean(job.generative));
  const reason = failure ?? t(locale, 'engine.failed', { reason: t(locale, 'engine.failed_unknown') });
  return {
    text: `${reason}\n${t(locale, 'engine.press_retry', { button: label })}`,
    progress: { state: 'failed' },
    buttons: withFixes([[{ ...buttons.retry(job.id, locale, job.checks?.some((c) => c.retry) ? 'secondary' : 'primary'), label }]], job),
    locale,
    kind: 'error',
  };
}

/** The proposal's other commands, a row under the result (five at most: a platform row's limit). */
function withMore(rows: Button[][], job: JobRecord): Button[][] {
  const more = job.more?.items.slice(0, 5).map((m) => ({ id: actionId(job.more!.token, 'run', m.index), label: m.label, style: 'secondary' as const }));
  return more?.length ? [...rows, more] : rows;
}

/** A row of targeted retries under a result or failure whose check found edits missing. */
function withFixes(rows: Button[][], job: JobRecord): Button[][] {
  const fixes = fixButtons(job.id, job.locale, job.checks, jobNames(job));
  return fixes.length ? [...rows, fixes] : rows;
}

export function cancelledReply(job: JobRecord): Reply {
  return { text: t(job.locale, 'engine.cancelled', { commands: describeCommands(job.commands, job.locale, jobNames(job)) }), progress: { state: 'cancelled' }, locale: job.locale, kind: 'info' };
}

export { describeCommand, describeCommands, truncate };
