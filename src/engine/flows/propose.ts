import { t, type Locale } from '../../i18n/index.js';
import { labelFractions, labelsAtPoints } from '../../pipeline/labelmap.js';
import { timed } from '../../util/metrics.js';
import type { EngineContext, Outbox } from '../context.js';
import type { Command } from '../deps.js';
import { proposalControls } from '../present/buttons.js';
import { truncate } from '../present/describe.js';
import { audienceOf, downloadStatus, segmentWhy } from '../present/availability.js';
import type { JobStarter } from '../jobs/start.js';
import { offerFor } from './offer.js';
import { commonFields, notUnderstoodField, partsField, proposalReply, say, suggestionsField } from '../present/replies.js';
import { buttons } from '../present/buttons.js';
import { currentRevision, newId, type Proposal, type ThreadSession } from '../state/session.js';
import type { ReplyImage, UserRef } from '../types.js';
import { trustOf } from '../trust.js';
import type { Offered } from './offer.js';
import type { Photos, Segmented } from './photos.js';

type Field = { label: string; value: string };

/**
 * From words (or a photo alone) to a proposal: segment, plan or suggest, sort what can run, and
 * post the commands as buttons.
 */
export class Proposals {
  private starter?: JobStarter;

  constructor(
    private readonly ctx: EngineContext,
    private readonly photos: Photos,
  ) {}

  /** Jobs start here when a request needs no click: part edits asked for while the parts model downloads. */
  useStarter(starter: JobStarter): void {
    this.starter = starter;
  }

  async plan(
    session: ThreadSession,
    instruction: string,
    locale: Locale,
    out: Outbox,
    opts: { ignored: string[]; overlay: boolean; points?: { x: number; y: number }[]; user?: UserRef },
  ): Promise<void> {
    const { deps, records, config } = this.ctx;
    const thread = session.thread;
    const base = currentRevision(session);
    // The content policy looks at the words while the photo is split into parts; nothing refused is planned or remembered.
    const [refusal, seg] = await Promise.all([trustOf(this.ctx).screenInstruction(thread, instruction, locale), this.photos.segment(base.blob, locale)]);
    if (refusal) {
      await out.post(thread, { text: refusal.text, locale, kind: 'error' });
      return;
    }
    // Clicked points name the parts: the planner may only use those, and part edits are aimed at them.
    const picked = opts.points?.length && seg.map ? labelsAtPoints(seg.map, opts.points) : [];
    const labels = picked.length ? picked : this.photos.labels(seg);
    const plan = await timed('planner', () => deps.planner.plan({ instruction, labels, history: session.history, locale, ...(picked.length ? { focus: picked } : {}) }));
    const commands = picked.length ? plan.commands.map((c) => this.aimAt(c, picked)) : plan.commands;
    const offer = offerFor(this.ctx, commands, { seg, session, locale });
    // What the planner wrote goes through the deny list too, and face swaps the policy forbids are not offered.
    const screened = this.screen(offer, session, locale);
    if (screened.refusal) {
      await out.post(thread, { text: screened.refusal.text, locale, kind: 'error' });
      return;
    }
    const wire = JSON.stringify(plan.commands.map((c) => this.toWire(c)));
    const remember = (s: ThreadSession) => {
      s.locale = locale;
      s.history.push({ role: 'user', content: instruction }, { role: 'assistant', content: wire });
      if (s.history.length > config.historyTurns) s.history.splice(0, s.history.length - config.historyTurns);
    };

    const notes: string[] = [...screened.notes];
    if (picked.length) notes.push(t(locale, 'engine.points_picked', { parts: this.partNames(picked, locale) }));
    if (plan.fallbackReason) notes.push(t(locale, plan.fallbackReason));
    if (session.faceSource && offer.runnable.some((c) => c.command === 'swap_face')) notes.push(t(locale, 'engine.face_source'));
    const fields = [...commonFields(locale, { notes, advice: offer.advice, ignored: opts.ignored }), ...offer.fields];
    // Every clause the planner could not read is listed, in the user's language.
    if (plan.rejected.length) fields.push(notUnderstoodField(locale, plan.rejected.map((r) => (r.key ? t(locale, r.key, r.params) : r.reason))));

    if (offer.waiting.length && this.starter) {
      // Understood, and only the parts model is missing, which is on its way: the request is queued
      // now and runs by itself when the model is there (its message shows the download meanwhile).
      await records.updateSession(thread, remember);
      const user = opts.user ?? { id: session.owner, name: session.ownerName };
      const started = await this.starter.start({ session, commands: [...offer.runnable, ...offer.waiting], base: session.current, user, locale, out, notes: fields });
      if (started) return;
    }
    const offered = [...offer.runnable, ...offer.waiting];
    if (offered.length === 0 && offer.advice.length === 0) {
      const [token] = await Promise.all([records.newScope({ kind: 'thread', thread, owner: session.owner, sessionId: session.id }), records.updateSession(thread, remember)]);
      const suggest = [[buttons.suggest(token, locale, 'primary')]];
      // Understood but impossible here: say what it needs, never "I could not understand".
      if (offer.blocked.length || offer.substitutes.length) {
        await out.post(thread, say(locale, 'engine.cannot_now', { text: truncate(instruction, 120) }, 'info', { fields, buttons: suggest }));
        return;
      }
      // Nothing valid: ask, never guess.
      await out.post(thread, say(locale, 'engine.clarify', { text: truncate(instruction, 120), examples: t(locale, 'engine.examples') }, 'info', { fields, buttons: suggest }));
      return;
    }
    const images = await this.overlay(opts.overlay, session, seg, locale, out);
    if (opts.overlay) fields.unshift(this.partsOf(seg, locale));
    if (offer.waiting.length) fields.push({ label: t(locale, 'engine.field_note'), value: t(locale, 'engine.waiting_parts_note', { status: downloadStatus(offer.parts, locale) }) });
    const text = t(locale, offered.length === 1 ? 'engine.proposal_one' : 'engine.proposal');
    await this.post(session, offered, { text, fields, images, locale }, out, remember);
  }

  async suggest(session: ThreadSession, locale: Locale, out: Outbox, opts: { ignored: string[]; overlay: boolean }): Promise<void> {
    const { deps, blobs } = this.ctx;
    const thread = session.thread;
    const base = currentRevision(session);
    const seg = await this.photos.segment(base.blob, locale);
    const suggester = deps.suggester;
    const image = suggester ? await blobs.get(base.blob.id) : undefined;
    const generator = this.ctx.capabilities().generator;
    const suggestions = suggester && image ? await timed('suggester', () => suggester.suggest({ image, labels: this.photos.labels(seg), locale, generator })) : [];
    const offer = offerFor(
      this.ctx,
      suggestions.map((s) => s.command),
      { seg, session, locale },
    );
    // Suggestions are model output: the same screening as planned commands (a refused one is simply not offered).
    const screened = this.screen(offer, session, locale);
    // Ideas are offered only where they can run; an idea that cannot is left out, not explained.
    const offered = [...offer.runnable, ...offer.waiting];
    const notes = offer.partsWhy && !offer.waiting.length ? [t(locale, 'engine.parts_missing_note', { why: offer.partsWhy })] : [];
    notes.push(...screened.notes);
    if (offer.waiting.length) notes.push(t(locale, 'engine.waiting_parts_note', { status: downloadStatus(offer.parts, locale) }));
    const fields = commonFields(locale, { notes, advice: offer.advice, ignored: opts.ignored });
    if (opts.overlay) fields.unshift(this.partsOf(seg, locale));
    if (offered.length === 0) {
      await out.post(thread, say(locale, 'engine.no_suggestions', { examples: t(locale, 'engine.examples') }, 'info', { fields }));
      return;
    }
    const sentences = offered.map((c) => suggestions.find((s) => s.command === c)?.sentence ?? '');
    fields.push(suggestionsField(locale, offered, sentences, this.ctx.names(locale)));
    const images = await this.overlay(opts.overlay, session, seg, locale, out);
    const text = t(locale, offered.length === 1 ? 'engine.suggestions_one' : 'engine.suggestions');
    await this.post(session, offered, { text, fields, images, locale, sentences }, out);
  }

  /** Points without words: say which parts they picked and ask what to change. */
  async askAboutPoints(session: ThreadSession, points: { x: number; y: number }[], locale: Locale, out: Outbox): Promise<void> {
    const seg = await this.photos.segment(currentRevision(session).blob, locale);
    const picked = seg.map ? labelsAtPoints(seg.map, points) : [];
    const text = picked.length
      ? t(locale, 'engine.points_need_text', { parts: this.partNames(picked, locale) })
      : seg.map
        ? t(locale, 'engine.segment_unavailable', { reason: t(locale, 'engine.no_parts') })
        : segmentWhy(seg, locale, audienceOf(session.thread.platform));
    await out.post(session.thread, { text, locale, kind: 'info' });
  }

  /** Stores a proposal and posts it with one button per command plus the multi-select and controls. */
  private async post(
    session: ThreadSession,
    commands: Command[],
    base: { text: string; fields: Field[]; images: ReplyImage[]; locale: Locale; sentences?: string[] },
    out: Outbox,
    remember?: (s: ThreadSession) => void,
  ): Promise<void> {
    const { records, config } = this.ctx;
    const proposal: Proposal = { id: newId(12), sessionId: session.id, thread: session.thread, owner: session.owner, commands, sentences: base.sentences, state: 'open', createdAt: Date.now() };
    const [token] = await Promise.all([
      records.newScope({ kind: 'proposal', thread: session.thread, owner: session.owner, sessionId: session.id, proposalId: proposal.id }),
      records.saveProposal(proposal),
    ]);
    const controls = proposalControls(token, base.locale, commands, config.maxCommandButtons, { canUndo: session.undo.length > 0, names: this.ctx.names(base.locale) });
    proposal.message = await out.post(session.thread, proposalReply({ ...base, controls }));
    await Promise.all([
      records.saveProposal(proposal),
      records.updateSession(session.thread, (s) => {
        remember?.(s);
        s.pendingProposal = proposal.id;
      }),
    ]);
  }

  /**
   * The parts overlay under a proposal, where it costs no message of its own: where images are
   * separate messages (Slack) the parts list says the same and the request stays within two messages.
   */
  private async overlay(wanted: boolean, session: ThreadSession, seg: Segmented, locale: Locale, out: Outbox): Promise<ReplyImage[]> {
    if (!wanted || out.imagesAsMessages) return [];
    return this.photos.overlay(currentRevision(session).blob, seg, locale, out.uploadLimit(session.thread));
  }

  private partsOf(seg: Segmented, locale: Locale): Field {
    // In the reply's language where the catalogue knows the names, else as the model calls them.
    const names = this.ctx.deps.catalog?.displayLabel ? this.ctx.names(locale) : (label: string) => label;
    return partsField(locale, seg.map ? labelFractions(seg.map).map((p) => ({ ...p, name: names(p.name) })) : undefined);
  }

  /**
   * Trust and safety over what would be offered (the deny list, the face swap policy): a refusal of
   * the whole request, or the offer without the commands the policy forbids (in place) and why.
   */
  private screen(offer: Offered, session: ThreadSession, locale: Locale): { notes: string[]; refusal?: { text: string } } {
    const screened = trustOf(this.ctx).screenCommands(session, session.owner, [...offer.runnable, ...offer.waiting], locale);
    if (screened.refusal) return { notes: [], refusal: screened.refusal };
    const kept = new Set(screened.commands);
    offer.runnable = offer.runnable.filter((c) => kept.has(c));
    offer.waiting = offer.waiting.filter((c) => kept.has(c));
    return { notes: screened.notes };
  }

  /** Points the command's parts at the picked ones (commands without parts, like face, stay as they are). */
  private aimAt(cmd: Command, picked: string[]): Command {
    const para = this.ctx.deps.catalog?.rule(cmd.command)?.paras?.find((p) => p.type === 'labels');
    if (!para) return cmd;
    return { ...cmd, args: { ...cmd.args, [para.name]: [...picked] } };
  }

  private partNames(labels: readonly string[], locale: Locale): string {
    return labels.map(this.ctx.names(locale)).join(locale === 'zh-CN' ? '、' : ', ');
  }

  private toWire(c: Command): { command: string; paras: unknown[] } {
    try {
      if (this.ctx.deps.catalog) return this.ctx.deps.catalog.toWire(c);
    } catch {
      // an unknown command still goes into history in the generic shape
    }
    return { command: c.command, paras: Object.values(c.args) };
  }
}
