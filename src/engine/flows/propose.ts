import { t, type Locale } from '../../i18n/index.js';
import { labelFractions, labelsAtPoints } from '../../pipeline/labelmap.js';
import { timed } from '../../util/metrics.js';
import type { EngineContext, Outbox } from '../context.js';
import type { Command } from '../deps.js';
import { proposalControls } from '../present/buttons.js';
import { describeCommands, truncate } from '../present/describe.js';
import { commonFields, notUnderstoodField, partsField, proposalReply, say, suggestionsField } from '../present/replies.js';
import { buttons } from '../present/buttons.js';
import { currentRevision, newId, type Proposal, type ThreadSession } from '../state/session.js';
import type { ReplyImage } from '../types.js';
import { trustOf } from '../trust.js';
import type { Photos, Segmented } from './photos.js';

type Field = { label: string; value: string };

/**
 * From words (or a photo alone) to a proposal: segment, plan or suggest, sort what can run, and
 * post the commands as buttons.
 */
export class Proposals {
  constructor(
    private readonly ctx: EngineContext,
    private readonly photos: Photos,
  ) {}

  async plan(session: ThreadSession, instruction: string, locale: Locale, out: Outbox, opts: { ignored: string[]; overlay: boolean; points?: { x: number; y: number }[] }): Promise<void> {
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
    const sorted = this.sort(commands, seg);
    const { needParts, advice } = sorted;
    // What the planner wrote goes through the deny list too, and face swaps the policy forbids are not offered.
    const screened = trustOf(this.ctx).screenCommands(session, session.owner, sorted.runnable, locale);
    if (screened.refusal) {
      await out.post(thread, { text: screened.refusal.text, locale, kind: 'error' });
      return;
    }
    const runnable = screened.commands;
    const wire = JSON.stringify(plan.commands.map((c) => this.toWire(c)));
    const remember = (s: ThreadSession) => {
      s.locale = locale;
      s.history.push({ role: 'user', content: instruction }, { role: 'assistant', content: wire });
      if (s.history.length > config.historyTurns) s.history.splice(0, s.history.length - config.historyTurns);
    };

    const notes = [...this.segmentNotes(seg, needParts, locale), ...screened.notes];
    if (picked.length) notes.push(t(locale, 'engine.points_picked', { parts: this.partNames(picked, locale) }));
    if (plan.fallbackReason) notes.push(t(locale, plan.fallbackReason));
    if (session.faceSource && runnable.some((c) => c.command === 'swap_face')) notes.push(t(locale, 'engine.face_source'));
    const fields = commonFields(locale, { notes, advice, ignored: opts.ignored });
    if (plan.rejected.length) fields.push(notUnderstoodField(locale, plan.rejected.map((r) => r.reason)));

    if (runnable.length === 0 && advice.length === 0) {
      // Nothing valid: ask, never guess.
      const [token] = await Promise.all([records.newScope({ kind: 'thread', thread, owner: session.owner, sessionId: session.id }), records.updateSession(thread, remember)]);
      await out.post(
        thread,
        say(locale, 'engine.clarify', { text: truncate(instruction, 120), examples: t(locale, 'engine.examples') }, 'info', { fields, buttons: [[buttons.suggest(token, locale, 'primary')]] }),
      );
      return;
    }
    const images = await this.overlay(opts.overlay, session, seg, locale, out);
    if (opts.overlay) fields.unshift(this.partsOf(seg, locale));
    await this.post(session, runnable, { text: t(locale, 'engine.proposal'), fields, images, locale }, out, remember);
  }

  async suggest(session: ThreadSession, locale: Locale, out: Outbox, opts: { ignored: string[]; overlay: boolean }): Promise<void> {
    const { deps, blobs } = this.ctx;
    const thread = session.thread;
    const base = currentRevision(session);
    const seg = await this.photos.segment(base.blob, locale);
    const suggester = deps.suggester;
    const image = suggester ? await blobs.get(base.blob.id) : undefined;
    const suggestions = suggester && image ? await timed('suggester', () => suggester.suggest({ image, labels: this.photos.labels(seg), locale })) : [];
    const sorted = this.sort(
      suggestions.map((s) => s.command),
      seg,
    );
    const { needParts, advice } = sorted;
    // Suggestions are model output: the same screening as planned commands (a refused one is simply not offered).
    const screened = trustOf(this.ctx).screenCommands(session, session.owner, sorted.runnable, locale);
    const runnable = screened.commands;
    const fields = commonFields(locale, { notes: [...this.segmentNotes(seg, needParts, locale), ...screened.notes], advice, ignored: opts.ignored });
    if (opts.overlay) fields.unshift(this.partsOf(seg, locale));
    if (runnable.length === 0) {
      await out.post(thread, say(locale, 'engine.no_suggestions', { examples: t(locale, 'engine.examples') }, 'info', { fields }));
      return;
    }
    const sentences = runnable.map((c) => suggestions.find((s) => s.command === c)?.sentence ?? '');
    fields.push(suggestionsField(locale, runnable, sentences));
    const images = await this.overlay(opts.overlay, session, seg, locale, out);
    await this.post(session, runnable, { text: t(locale, 'engine.suggestions'), fields, images, locale, sentences }, out);
  }

  /** Points without words: say which parts they picked and ask what to change. */
  async askAboutPoints(session: ThreadSession, points: { x: number; y: number }[], locale: Locale, out: Outbox): Promise<void> {
    const seg = await this.photos.segment(currentRevision(session).blob, locale);
    const picked = seg.map ? labelsAtPoints(seg.map, points) : [];
    const text = picked.length
      ? t(locale, 'engine.points_need_text', { parts: this.partNames(picked, locale) })
      : seg.error && seg.explained
        ? seg.error
        : t(locale, 'engine.segment_unavailable', { reason: seg.error ?? t(locale, 'engine.no_parts') });
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
    const controls = proposalControls(token, base.locale, commands, config.maxCommandButtons);
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

  /** Splits commands into runnable ones, part edits that need a segmentation we lack, and advice text. */
  private sort(commands: Command[], seg: Segmented): { runnable: Command[]; needParts: Command[]; advice: string[] } {
    const { catalog, executor } = this.ctx.deps;
    const runnable: Command[] = [];
    const needParts: Command[] = [];
    const advice: string[] = [];
    for (const cmd of commands) {
      const kind = catalog?.rule(cmd.command)?.executor;
      if (kind === 'text' || cmd.command === 'advice') {
        const text = Object.values(cmd.args).find((v) => typeof v === 'string');
        if (typeof text === 'string' && text.trim()) advice.push(text.trim());
      } else if (!seg.map && executor.needsSegmentation([cmd])) needParts.push(cmd);
      else runnable.push(cmd);
    }
    return { runnable, needParts, advice };
  }

  private segmentNotes(seg: Segmented, needParts: Command[], locale: Locale): string[] {
    const notes: string[] = [];
    if (seg.error) notes.push(seg.explained ? seg.error : t(locale, 'engine.segment_unavailable', { reason: seg.error }));
    if (needParts.length) notes.push(t(locale, 'engine.parts_unavailable', { commands: describeCommands(needParts, locale) }));
    return notes;
  }

  private partsOf(seg: Segmented, locale: Locale): Field {
    return partsField(locale, seg.map ? labelFractions(seg.map) : undefined);
  }

  /** Points the command's parts at the picked ones (commands without parts, like face, stay as they are). */
  private aimAt(cmd: Command, picked: string[]): Command {
    const para = this.ctx.deps.catalog?.rule(cmd.command)?.paras?.find((p) => p.type === 'labels');
    if (!para) return cmd;
    return { ...cmd, args: { ...cmd.args, [para.name]: [...picked] } };
  }

  private partNames(labels: readonly string[], locale: Locale): string {
    return labels.map((l) => this.ctx.deps.catalog?.displayLabel?.(l, locale) ?? l).join(', ');
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
