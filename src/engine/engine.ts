import { AsyncLocalStorage } from 'node:async_hooks';
import sharp from 'sharp';
import type { EngineConfig } from '../config/schemas/engine.js';
import { detectTextLocale, resolveLocale, t, type Locale, type MessageKey } from '../i18n/index.js';
import { decodeImage, inspectImage, type ImageLimits, type RawImage } from '../core/image-io.js';
import type { LabelMap } from '../core/types.js';
import { labelFractions, labelsAtPoints, presentLabels } from '../pipeline/labelmap.js';
import { encodeForUpload } from '../pipeline/image/encode.js';
import type { HealthStatus } from '../core/health.js';
import { UserFacingError, errorMessage } from '../util/errors.js';
import { getLogger, type Logger } from '../util/logger.js';
import { errorsTotal, eventsTotal, jobsTotal, registerQueueDepth, timed } from '../util/metrics.js';
import type { BlobRef, BlobStore } from './blobs.js';
import type { Command, EngineDeps, UploadImage } from './deps.js';
import { actionId, describeCommand, describeCommands, parseActionId, proposalControls, truncate } from './render.js';
import { JobHandedBack, MemoryJobQueue, type JobQueue } from './queue/index.js';
import {
  advanceTo,
  currentRevision,
  newId,
  redoOnce,
  threadKey,
  undoOnce,
  type ActionScope,
  type JobRecord,
  type Proposal,
  type Revision,
  type ThreadSession,
  type ThreadSettings,
} from './session.js';
import type { StateStore } from './store.js';
import type {
  ActionEvent,
  Button,
  ChatAdapter,
  CommandInvocation,
  EngineApi,
  ImageRef,
  IncomingMessage,
  MessageRef,
  Platform,
  Reply,
  ReplyImage,
  ThreadRef,
  UserRef,
} from './types.js';

export interface EngineOptions {
  config: EngineConfig;
  store: StateStore;
  blobs: BlobStore;
  deps: EngineDeps;
  imageLimits: ImageLimits;
  /** Releases what createEngine opened for the engine (segmenter worker…), after the store closes. */
  onClose?: () => Promise<void>;
  /** Default: the in-process FairScheduler (BullMQ when createEngine finds REDIS_URL). */
  queue?: JobQueue;
  /** Default: the process logger. */
  logger?: Logger;
}

type EventOutcome = 'handled' | 'duplicate' | 'rejected' | 'error';

/** What the current event or job is, so every log line carries its id and metrics its outcome. */
interface Scope {
  log: Logger;
  outcome: EventOutcome;
}
const scope = new AsyncLocalStorage<Scope>();

interface Segmented {
  map?: LabelMap;
  /** Why the photo could not be split into parts (already in the user's language). */
  error?: string;
  /** The error is a complete sentence of its own (it says what still works), not a reason to wrap. */
  explained?: boolean;
}

class JobTimeout extends Error {}

const SECOND = 1000;

/**
 * The conversation engine: one behaviour for every platform. Adapters hand it neutral events
 * and render its neutral replies; every decision (what to answer, who may press what, which job
 * runs next) is taken here. State lives in the StateStore so buttons survive restarts.
 */
export class Engine implements EngineApi {
  readonly config: EngineConfig;
  private readonly store: StateStore;
  private readonly blobs: BlobStore;
  private readonly deps: EngineDeps;
  private readonly limits: ImageLimits;
  private readonly queue: JobQueue;
  private readonly baseLog: Logger;
  private unregisterDepth?: () => void;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly recovered = new Map<Platform, Promise<void>>();
  private readonly labelMaps = new Map<string, LabelMap>();
  private readonly segmenting = new Map<string, Promise<Segmented>>();
  private readonly starts = new Map<string, number[]>();
  private closed = false;
  private readonly onClose?: () => Promise<void>;
  /** This process; jobs are listed per instance so a restart (or another instance) can tell whose they were. */
  readonly instanceId = newId(9);
  private registered?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private readonly adapters = new Map<Platform, ChatAdapter>();

  constructor(opts: EngineOptions) {
    this.onClose = opts.onClose;
    this.config = opts.config;
    this.store = opts.store;
    this.blobs = opts.blobs;
    this.deps = opts.deps;
    this.limits = opts.imageLimits;
    this.queue = opts.queue ?? new MemoryJobQueue(opts.config.jobs.concurrency);
    this.baseLog = (opts.logger ?? getLogger()).child({ module: 'engine', instance: this.instanceId });
  }

  /** The job queue in use (in-process or BullMQ). */
  get jobQueue(): JobQueue {
    return this.queue;
  }

  /** Logger of the event or job being handled (carries eventId / jobId). */
  private get log(): Logger {
    return scope.getStore()?.log ?? this.baseLog;
  }

  /** Starts taking jobs (createEngine calls it). */
  async start(): Promise<void> {
    await this.queue.start((id, signal) => scope.run({ log: this.baseLog.child({ jobId: id }), outcome: 'handled' }, () => this.runQueued(id, signal)), {
      onLost: (id, reason) => scope.run({ log: this.baseLog.child({ jobId: id }), outcome: 'handled' }, () => this.reportLost(id, reason)),
      onRetried: (id) => this.baseLog.warn({ jobId: id }, 'job retried after its worker died'),
    });
    this.unregisterDepth = registerQueueDepth(() => this.queue.depth());
  }

  // ── EngineApi ────────────────────────────────────────────────────────────

  handleMessage(message: IncomingMessage, adapter: ChatAdapter): Promise<void> {
    return this.event('message', message, () => this.guard(message.thread, message.user, adapter, message.locale, () => this.onMessage(message, adapter)));
  }

  handleCommand(invocation: CommandInvocation, adapter: ChatAdapter): Promise<void> {
    return this.event('command', invocation, () => this.guard(invocation.thread, invocation.user, adapter, invocation.locale, () => this.onCommand(invocation, adapter)));
  }

  handleAction(action: ActionEvent, adapter: ChatAdapter): Promise<void> {
    return this.event('action', action, () => this.guard(action.thread, action.user, adapter, action.locale, () => this.onAction(action, adapter), true));
  }

  /** Runs one platform event with its own logger (eventId) and counts it by outcome. */
  private event(kind: 'message' | 'command' | 'action', ev: { platform: Platform; eventId: string }, fn: () => Promise<void>): Promise<void> {
    const ctx: Scope = { log: this.baseLog.child({ eventId: ev.eventId, platform: ev.platform, kind }), outcome: 'handled' };
    return this.track(
      scope.run(ctx, async () => {
        try {
          await fn();
        } finally {
          eventsTotal.inc({ platform: ev.platform, kind, outcome: ctx.outcome });
        }
      }),
    );
  }

  /** Marks the current event as refused (not the owner, expired button, over a limit…). */
  private rejected(): void {
    const ctx = scope.getStore();
    if (ctx && ctx.outcome === 'handled') ctx.outcome = 'rejected';
  }

  /**
   * Whether the engine is editing in this thread. With `user`, only when that user may steer it
   * (the owner, or anyone under actionPolicy "channel"), so bystanders' chatter is not taken as
   * instructions.
   */
  async isActiveThread(thread: ThreadRef, user?: UserRef): Promise<boolean> {
    const session = await this.store.get<ThreadSession>(this.sessionKey(thread));
    if (!session) return false;
    return !user || this.config.actionPolicy === 'channel' || session.owner === user.id;
  }

  /** Reports jobs a previous process left unfinished on this platform (once per platform). */
  registerAdapter(adapter: ChatAdapter): Promise<void> {
    let done = this.recovered.get(adapter.platform);
    if (!done) {
      this.adapters.set(adapter.platform, adapter);
      done = this.ensureRegistered()
        .then(() => this.recoverInterrupted(adapter))
        .catch((err) => this.log.error({ err }, 'could not report interrupted jobs'));
      this.recovered.set(adapter.platform, done);
    }
    return done;
  }

  /** Resolves when no event is being handled and no job is waiting or running (tests, shutdown). */
  async idle(): Promise<void> {
    do {
      await Promise.allSettled([...this.inflight]);
      await this.queue.idle();
    } while (this.inflight.size > 0);
  }

  /** Stops starting jobs (buttons then say the bot is restarting) and waits up to `timeoutMs` for running ones. */
  async drain(timeoutMs = 20_000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    // Only this instance's own work: a shared queue's other jobs belong to the other instances.
    const local = (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      await this.queue.stop();
    })();
    await Promise.race([local, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Stops taking work, waits (bounded) for running jobs, closes the store. Jobs still running
   * stay "running" in the store, so the next start reports them with a Retry button.
   */
  async close(timeoutMs = 20_000): Promise<void> {
    await this.drain(timeoutMs);
    if (this.heartbeat) clearInterval(this.heartbeat);
    const unfinished = this.queue.localRunning;
    // A shared queue hands unfinished jobs back to the other instances; the in-process one leaves them for the restart report.
    await this.queue.close().catch((err) => this.log.warn({ err }, 'job queue did not close cleanly'));
    this.unregisterDepth?.();
    if (unfinished === 0 || this.queue.shared) await this.store.delete(`hb:${this.instanceId}`).catch(() => undefined);
    await this.store.close();
    await this.onClose?.();
  }

  /** The state store and every dependency, for /readyz and `doctor`. Optional features never report "down". */
  async health(): Promise<HealthStatus[]> {
    const started = Date.now();
    const store: HealthStatus = await this.store
      .set('engine:probe', started, 60_000)
      .then(() => ({ name: `engine:store:${this.store.kind}`, state: 'ok' as const, detail: `state store (${this.store.kind}) answers`, latencyMs: Date.now() - started }))
      .catch((err: unknown) => ({ name: `engine:store:${this.store.kind}`, state: 'down' as const, detail: `state store does not answer: ${errorMessage(err)}` }));
    const deps: [string, { health?(signal?: AbortSignal): Promise<HealthStatus> } | undefined][] = [
      ['segmentation', this.deps.segmentation],
      ['planner', this.deps.planner],
      ['suggester', this.deps.suggester],
      ['executor', this.deps.executor],
    ];
    const checks = await Promise.all(
      deps.map(async ([name, dep]): Promise<HealthStatus | undefined> => {
        if (!dep?.health) return undefined;
        try {
          const h = await dep.health(AbortSignal.timeout(2500));
          // The engine degrades instead of failing: whole-photo and local edits go on without these.
          return h.state === 'down' ? { ...h, state: 'degraded' } : h;
        } catch (err) {
          return { name: `engine:${name}`, state: 'degraded', detail: errorMessage(err) };
        }
      }),
    );
    return [store, ...checks.filter((c): c is HealthStatus => c !== undefined)];
  }

  // ── plumbing ─────────────────────────────────────────────────────────────

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Every failure ends in a message the user can read, never in silence. */
  private async guard(thread: ThreadRef, user: UserRef, adapter: ChatAdapter, rawLocale: string | undefined, fn: () => Promise<void>, ephemeral = false): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const ctx = scope.getStore();
      if (ctx) ctx.outcome = err instanceof UserFacingError ? 'rejected' : 'error';
      const session = await this.store.get<ThreadSession>(this.sessionKey(thread)).catch(() => undefined);
      const locale = rawLocale ? resolveLocale(rawLocale, session?.locale ?? this.config.defaultLocale) : (session?.locale ?? this.config.defaultLocale);
      const reply = this.errorReply(err, locale);
      try {
        if (ephemeral) await adapter.sendEphemeral(thread, user, { ...reply, ephemeral: true });
        else await adapter.send(thread, reply);
      } catch (sendErr) {
        this.log.error({ err: sendErr }, 'could not deliver an error reply');
      }
    }
  }

  private errorReply(err: unknown, locale: Locale): Reply {
    if (err instanceof UserFacingError) return { text: t(locale, err.key, err.params), locale, kind: 'error' };
    const ref = newId(4);
    errorsTotal.inc({ area: 'engine' });
    this.log.error({ err, ref }, 'engine failure');
    return { text: t(locale, 'common.internal_error', { ref }), locale, kind: 'error' };
  }

  private sessionKey(thread: ThreadRef): string {
    return `s:${threadKey(thread)}`;
  }

  private settingsKey(thread: ThreadRef): string {
    return `st:${threadKey(thread)}`;
  }

  private ms(seconds: number): number {
    return seconds * SECOND;
  }

  /** First delivery of a platform event wins; re-deliveries (retries after a slow ack) are dropped. */
  private async firstDelivery(platform: Platform, eventId: string): Promise<boolean> {
    const first = await this.store.claim(`ev:${platform}:${eventId}`, this.ms(this.config.dedupeTtlSeconds));
    const ctx = scope.getStore();
    if (!first && ctx) ctx.outcome = 'duplicate';
    return first;
  }

  /** A user's own defaults on a platform: /settings outside a session thread must still reach the next session. */
  private userSettingsKey(platform: Platform, userId: string): string {
    return `su:${platform}:${userId}`;
  }

  /** The thread's settings over the user's defaults. */
  private async settingsOf(thread: ThreadRef, userId?: string): Promise<ThreadSettings> {
    const [own, mine] = await Promise.all([
      this.store.get<ThreadSettings>(this.settingsKey(thread)),
      userId ? this.store.get<ThreadSettings>(this.userSettingsKey(thread.platform, userId)) : undefined,
    ]);
    // Language stays a matter of the thread and the platform's locale; job parameters follow the user.
    const { locale: _ignored, ...defaults } = mine ?? {};
    return { ...defaults, ...(own ?? {}) };
  }

  /** Explicit thread setting, else the platform locale, else the text, else what the thread used last. */
  private localeFor(raw: string | undefined, text: string, session: ThreadSession | undefined, settings: ThreadSettings): Locale {
    if (settings.locale) return settings.locale;
    const fallback = session?.locale ?? this.config.defaultLocale;
    // A platform locale we do not speak ("ja") says nothing: the words decide then.
    if (raw && /^(zh|en)/i.test(raw)) return resolveLocale(raw, fallback);
    return detectTextLocale(text, fallback);
  }

  private async saveSession(session: ThreadSession): Promise<void> {
    session.updatedAt = Date.now();
    await this.store.set(this.sessionKey(session.thread), session, this.ms(this.config.sessionTtlSeconds));
  }

  private updateSession(thread: ThreadRef, fn: (s: ThreadSession) => void | Promise<void>): Promise<ThreadSession | undefined> {
    return this.store.update<ThreadSession>(
      this.sessionKey(thread),
      async (s) => {
        if (!s) return undefined;
        await fn(s);
        s.updatedAt = Date.now();
        return s;
      },
      this.ms(this.config.sessionTtlSeconds),
    );
  }

  // ── messages ─────────────────────────────────────────────────────────────

  private async onMessage(msg: IncomingMessage, adapter: ChatAdapter): Promise<void> {
    // Reads go alongside the dedupe claim: the acknowledgement is the latency users notice.
    const [first, session, settings] = await Promise.all([
      this.firstDelivery(msg.platform, msg.eventId),
      this.store.get<ThreadSession>(this.sessionKey(msg.thread)),
      this.settingsOf(msg.thread, msg.user.id),
    ]);
    if (!first) return;
    void this.registerAdapter(adapter);
    const text = msg.text.trim();
    const locale = this.localeFor(msg.locale, text, session, settings);
    const photos = msg.images.filter((i) => !i.mimeType || i.mimeType.startsWith('image/'));
    const ignored = [...(msg.otherFiles ?? []), ...msg.images.filter((i) => !photos.includes(i)).map((i) => i.name ?? i.id)];

    if (photos.length === 0) {
      if (ignored.length > 0 && !(text && session)) {
        await adapter.send(msg.thread, { text: t(locale, 'engine.not_image_files', { files: ignored.join(', ') }), locale, kind: 'error' });
        return;
      }
      if (!session || (!text && !msg.points?.length)) {
        await adapter.send(msg.thread, { text: t(locale, text ? 'engine.no_photo' : 'engine.help'), locale, kind: 'info' });
        return;
      }
      if (this.config.actionPolicy === 'owner' && session.owner !== msg.user.id) {
        // Someone else talking in the thread does not steer the owner's edit.
        this.rejected();
        await adapter.sendEphemeral(msg.thread, msg.user, { text: t(locale, 'engine.not_owner', { owner: session.ownerName ?? session.owner }), locale, kind: 'error', ephemeral: true });
        return;
      }
      if (!text) {
        await this.askAboutPoints(session, msg.points!, locale, adapter);
        return;
      }
      await adapter.send(msg.thread, { text: t(locale, 'engine.ack_text'), locale, kind: 'ack' });
      await this.planAndPropose(session, text, locale, adapter, { ignored, overlay: false, points: msg.points });
      return;
    }

    await adapter.send(msg.thread, { text: t(locale, text ? 'engine.ack_photo' : 'engine.ack_suggest'), locale, kind: 'ack' });
    const [photo, faceSource] = await Promise.all(photos.slice(0, 2).map((p) => this.intake(p)));
    const original: Revision = { id: newId(6), blob: photo!.blob, width: photo!.width, height: photo!.height, createdAt: Date.now() };
    const fresh: ThreadSession = {
      id: newId(9),
      thread: msg.thread,
      owner: msg.user.id,
      ownerName: msg.user.name,
      locale,
      revisions: { [original.id]: original },
      current: original.id,
      undo: [],
      redo: [],
      history: [],
      faceSource: faceSource?.blob,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    };
    await this.saveSession(fresh);
    if (text) await this.planAndPropose(fresh, text, locale, adapter, { ignored, overlay: true });
    else await this.suggest(fresh, locale, adapter, { ignored, overlay: true });
  }

  /**
   * Downloads and checks a photo: size before download, then the header against the limits
   * (no pixel decode here: it would dominate first-reply latency; damage shows at segmentation).
   */
  private async intake(ref: ImageRef): Promise<{ blob: BlobRef; width: number; height: number }> {
    if (ref.size !== undefined && ref.size > this.limits.maxBytes) {
      throw new UserFacingError('image.too_many_bytes', { size: mb(ref.size), limit: mb(this.limits.maxBytes) });
    }
    let data: Buffer;
    try {
      data = await ref.fetch();
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      this.log.warn({ err: errorMessage(err), file: ref.id }, 'photo download failed');
      throw new UserFacingError('engine.download_failed', {}, { cause: err });
    }
    const info = await inspectImage(data, this.limits);
    const blob = await this.blobs.put(data, `image/${info.format}`);
    return { blob, width: info.width, height: info.height };
  }

  private async segmentFor(blob: BlobRef, locale: Locale): Promise<Segmented> {
    const cached = this.labelMaps.get(blob.id);
    if (cached) return { map: cached };
    const seg = this.deps.segmentation;
    if (!seg) return { error: t(locale, 'engine.failed_unknown') };
    let running = this.segmenting.get(blob.id);
    if (!running) {
      running = (async (): Promise<Segmented> => {
        try {
          const image = await this.blobs.get(blob.id);
          const map = await timed('segmentation', () => seg.segment(image));
          this.labelMaps.set(blob.id, map);
          // A small LRU: label maps are megabytes each at full resolution (the segmentation service keeps its own cache).
          if (this.labelMaps.size > 8) this.labelMaps.delete(this.labelMaps.keys().next().value!);
          return { map };
        } catch (err) {
          // A damaged photo is the user's to fix, not a missing model.
          if (err instanceof UserFacingError && err.key.startsWith('image.')) throw err;
          this.log.warn({ err: errorMessage(err) }, 'segmentation unavailable');
          // A segmenter message (model missing, bad model file) already says what still works and what to do.
          if (err instanceof UserFacingError && err.key.startsWith('segment.')) return { error: t(locale, err.key, err.params), explained: true };
          return { error: err instanceof UserFacingError ? t(locale, err.key, err.params) : t(locale, 'engine.failed_unknown') };
        } finally {
          this.segmenting.delete(blob.id);
        }
      })();
      this.segmenting.set(blob.id, running);
    }
    return running;
  }

  private labelsOf(seg: Segmented): readonly string[] {
    if (seg.map) return presentLabels(seg.map);
    return this.deps.segmentation?.labels ?? [];
  }

  private partsField(seg: Segmented, locale: Locale): { label: string; value: string } {
    if (!seg.map) return { label: t(locale, 'engine.field_parts'), value: t(locale, 'engine.no_parts') };
    const parts = labelFractions(seg.map)
      .slice(0, 12)
      .map((p) => `${p.name} ${Math.max(1, Math.round(p.fraction * 100))}%`);
    return { label: t(locale, 'engine.field_parts'), value: parts.join(', ') || t(locale, 'engine.no_parts') };
  }

  private async overlayImage(blob: BlobRef, seg: Segmented, locale: Locale, limit: number): Promise<ReplyImage[]> {
    if (!seg.map || !this.deps.renderOverlay) return [];
    try {
      const data = await this.deps.renderOverlay(await this.blobs.get(blob.id), seg.map, { locale, maxSide: 1024 });
      if (data.length > limit) return [];
      const jpeg = data[0] === 0xff && data[1] === 0xd8;
      return [{ data, filename: jpeg ? 'parts.jpg' : 'parts.png', mimeType: jpeg ? 'image/jpeg' : 'image/png', alt: t(locale, 'engine.alt_overlay') }];
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'overlay failed');
      return [];
    }
  }

  /** Splits commands into runnable ones, part edits that need a segmentation we lack, and advice text. */
  private sortCommands(commands: Command[], seg: Segmented): { runnable: Command[]; needParts: Command[]; advice: string[] } {
    const runnable: Command[] = [];
    const needParts: Command[] = [];
    const advice: string[] = [];
    for (const cmd of commands) {
      const kind = this.deps.catalog?.rule(cmd.command)?.executor;
      if (kind === 'text' || cmd.command === 'advice') {
        const text = Object.values(cmd.args).find((v) => typeof v === 'string');
        if (typeof text === 'string' && text.trim()) advice.push(text.trim());
      } else if (!seg.map && this.deps.executor.needsSegmentation([cmd])) needParts.push(cmd);
      else runnable.push(cmd);
    }
    return { runnable, needParts, advice };
  }

  private async planAndPropose(
    session: ThreadSession,
    instruction: string,
    locale: Locale,
    adapter: ChatAdapter,
    opts: { ignored: string[]; overlay: boolean; points?: { x: number; y: number }[] },
  ): Promise<void> {
    const thread = session.thread;
    const base = currentRevision(session);
    const seg = await this.segmentFor(base.blob, locale);
    const planner = this.deps.planner;
    // Clicked points name the parts: the planner may only use those, and part edits are aimed at them.
    const picked = opts.points?.length && seg.map ? labelsAtPoints(seg.map, opts.points) : [];
    const labels = picked.length ? picked : this.labelsOf(seg);
    const plan = await timed('planner', () => planner.plan({ instruction, labels, history: session.history, locale, ...(picked.length ? { focus: picked } : {}) }));
    const commands = picked.length ? plan.commands.map((c) => this.aimAt(c, picked)) : plan.commands;
    const { runnable, needParts, advice } = this.sortCommands(commands, seg);
    const wire = JSON.stringify(plan.commands.map((c) => this.toWire(c)));
    const remember = (s: ThreadSession) => {
      s.locale = locale;
      s.history.push({ role: 'user', content: instruction }, { role: 'assistant', content: wire });
      const max = this.config.historyTurns;
      if (s.history.length > max) s.history.splice(0, s.history.length - max);
    };

    const notes: string[] = [];
    if (seg.error) notes.push(seg.explained ? seg.error : t(locale, 'engine.segment_unavailable', { reason: seg.error }));
    if (picked.length) notes.push(t(locale, 'engine.points_picked', { parts: this.partNames(picked, locale) }));
    if (needParts.length) notes.push(t(locale, 'engine.parts_unavailable', { commands: describeCommands(needParts, locale) }));
    if (plan.fallbackReason) notes.push(t(locale, plan.fallbackReason));
    if (session.faceSource && runnable.some((c) => c.command === 'swap_face')) notes.push(t(locale, 'engine.face_source'));
    const fields = this.commonFields(locale, { notes, advice, ignored: opts.ignored });
    if (plan.rejected.length) {
      fields.push({ label: t(locale, 'engine.field_not_understood'), value: truncate(plan.rejected.map((r) => r.reason).join('; '), 300) });
    }

    if (runnable.length === 0 && advice.length === 0) {
      // Nothing valid: ask, never guess.
      const [token] = await Promise.all([this.newScope({ kind: 'thread', thread, owner: session.owner, sessionId: session.id }), this.updateSession(thread, remember)]);
      await adapter.send(thread, {
        text: t(locale, 'engine.clarify', { text: truncate(instruction, 120), examples: t(locale, 'engine.examples') }),
        fields,
        buttons: [[{ id: actionId(token, 'sug'), label: t(locale, 'engine.btn_suggest'), style: 'primary' }]],
        locale,
        kind: 'info',
      });
      return;
    }
    const images = opts.overlay ? await this.overlayImage(base.blob, seg, locale, adapter.uploadLimit(thread)) : [];
    if (opts.overlay) fields.unshift(this.partsField(seg, locale));
    await this.propose(session, runnable, { text: t(locale, 'engine.proposal'), fields, images, locale }, adapter, remember);
  }

  /** Points the command's parts at the picked ones (commands without parts, like face, stay as they are). */
  private aimAt(cmd: Command, picked: string[]): Command {
    const rule = this.deps.catalog?.rule(cmd.command);
    const para = rule?.paras?.find((p) => p.type === 'labels');
    if (!para) return cmd;
    return { ...cmd, args: { ...cmd.args, [para.name]: [...picked] } };
  }

  private partNames(labels: readonly string[], locale: Locale): string {
    return labels.map((l) => this.deps.catalog?.displayLabel?.(l, locale) ?? l).join(', ');
  }

  /** Points without words: say which parts they picked and ask what to change. */
  private async askAboutPoints(session: ThreadSession, points: { x: number; y: number }[], locale: Locale, adapter: ChatAdapter): Promise<void> {
    const seg = await this.segmentFor(currentRevision(session).blob, locale);
    const picked = seg.map ? labelsAtPoints(seg.map, points) : [];
    const text = picked.length
      ? t(locale, 'engine.points_need_text', { parts: this.partNames(picked, locale) })
      : seg.error && seg.explained
        ? seg.error
        : t(locale, 'engine.segment_unavailable', { reason: seg.error ?? t(locale, 'engine.no_parts') });
    await adapter.send(session.thread, { text, locale, kind: 'info' });
  }

  private commonFields(locale: Locale, o: { notes: string[]; advice: string[]; ignored: string[] }): { label: string; value: string }[] {
    const fields: { label: string; value: string }[] = [];
    if (o.advice.length) fields.push({ label: t(locale, 'engine.field_advice'), value: truncate(o.advice.join('\n'), 1000) });
    if (o.notes.length) fields.push({ label: t(locale, 'engine.field_note'), value: truncate(o.notes.join('\n'), 1000) });
    if (o.ignored.length) fields.push({ label: t(locale, 'engine.field_ignored_files'), value: t(locale, 'engine.not_image_files', { files: o.ignored.join(', ') }) });
    return fields;
  }

  /** Stores a proposal and posts it with one button per command plus the multi-select and controls. */
  private async propose(
    session: ThreadSession,
    commands: Command[],
    base: { text: string; fields: Reply['fields']; images: ReplyImage[]; locale: Locale; sentences?: string[] },
    adapter: ChatAdapter,
    remember?: (s: ThreadSession) => void,
  ): Promise<void> {
    const locale = base.locale;
    const proposal: Proposal = {
      id: newId(12),
      sessionId: session.id,
      thread: session.thread,
      owner: session.owner,
      commands,
      sentences: base.sentences,
      state: 'open',
      createdAt: Date.now(),
    };
    const scope: ActionScope = { kind: 'proposal', thread: session.thread, owner: session.owner, sessionId: session.id, proposalId: proposal.id };
    const [token] = await Promise.all([this.newScope(scope), this.saveProposal(proposal)]);
    const controls = proposalControls(token, locale, { runnable: commands, all: commands, maxCommandButtons: this.config.maxCommandButtons });
    const reply: Reply = { text: base.text, fields: base.fields, images: base.images.length ? base.images : undefined, ...controls, locale, kind: 'proposal' };
    const ref = await adapter.send(session.thread, reply);
    proposal.message = ref;
    await Promise.all([
      this.saveProposal(proposal),
      this.updateSession(session.thread, (s) => {
        remember?.(s);
        s.pendingProposal = proposal.id;
      }),
    ]);
  }

  private saveProposal(p: Proposal): Promise<void> {
    return this.store.set(`p:${p.id}`, p, this.ms(this.config.actionTtlSeconds));
  }

  private async newScope(scope: ActionScope): Promise<string> {
    const token = newId(16);
    await this.store.set(`a:${token}`, scope, this.ms(this.config.actionTtlSeconds));
    return token;
  }

  private toWire(c: Command): { command: string; paras: unknown[] } {
    try {
      if (this.deps.catalog) return this.deps.catalog.toWire(c);
    } catch {
      // an unknown command still goes into history in the generic shape
    }
    return { command: c.command, paras: Object.values(c.args) };
  }

  private async suggest(session: ThreadSession, locale: Locale, adapter: ChatAdapter, opts: { ignored: string[]; overlay: boolean }): Promise<void> {
    const thread = session.thread;
    const base = currentRevision(session);
    const seg = await this.segmentFor(base.blob, locale);
    const suggester = this.deps.suggester;
    const image = suggester ? await this.blobs.get(base.blob.id) : undefined;
    const suggestions = suggester && image ? await timed('suggester', () => suggester.suggest({ image, labels: this.labelsOf(seg), locale })) : [];
    const { runnable, needParts, advice } = this.sortCommands(
      suggestions.map((s) => s.command),
      seg,
    );
    const notes: string[] = [];
    if (seg.error) notes.push(seg.explained ? seg.error : t(locale, 'engine.segment_unavailable', { reason: seg.error }));
    if (needParts.length) notes.push(t(locale, 'engine.parts_unavailable', { commands: describeCommands(needParts, locale) }));
    const fields = this.commonFields(locale, { notes, advice, ignored: opts.ignored });
    if (opts.overlay) fields.unshift(this.partsField(seg, locale));
    if (runnable.length === 0) {
      await adapter.send(thread, { text: t(locale, 'engine.no_suggestions', { examples: t(locale, 'engine.examples') }), fields, locale, kind: 'info' });
      return;
    }
    const sentences = runnable.map((c) => suggestions.find((s) => s.command === c)?.sentence ?? '');
    const ideas = runnable.map((c, i) => `• ${describeCommand(c, locale)}${sentences[i] ? ` — ${sentences[i]}` : ''}`).join('\n');
    fields.push({ label: t(locale, 'engine.field_edits'), value: truncate(ideas, 1000) });
    const images = opts.overlay ? await this.overlayImage(base.blob, seg, locale, adapter.uploadLimit(thread)) : [];
    await this.propose(session, runnable, { text: t(locale, 'engine.suggestions'), fields, images, locale, sentences }, adapter);
  }

  // ── commands (slash / context menu) ──────────────────────────────────────

  private async onCommand(inv: CommandInvocation, adapter: ChatAdapter): Promise<void> {
    if (inv.name === 'edit') return this.onMessage(inv, adapter);
    if (inv.name === 'suggest' && inv.images.length > 0) return this.onMessage({ ...inv, text: '' }, adapter);
    if (!(await this.firstDelivery(inv.platform, inv.eventId))) return;
    void this.registerAdapter(adapter);
    const [session, settings] = await Promise.all([this.store.get<ThreadSession>(this.sessionKey(inv.thread)), this.settingsOf(inv.thread, inv.user.id)]);
    const locale = this.localeFor(inv.locale, inv.text, session, settings);
    const mayAct = !session || this.config.actionPolicy === 'channel' || session.owner === inv.user.id;
    const refuse = () =>
      (this.rejected(), adapter).sendEphemeral(inv.thread, inv.user, { text: t(locale, 'engine.not_owner', { owner: session?.ownerName ?? session?.owner ?? '' }), locale, kind: 'error', ephemeral: true });
    switch (inv.name) {
      case 'help':
        await adapter.send(inv.thread, { text: t(locale, 'engine.help'), locale, kind: 'info' });
        return;
      case 'status': {
        const [mine, depth] = await Promise.all([this.queue.countForUser(inv.user.id), this.queue.depth()]);
        const queued = depth.reduce((n, d) => n + d.waiting, 0);
        const running = depth.reduce((n, d) => n + d.running, 0);
        await adapter.sendEphemeral(inv.thread, inv.user, { text: t(locale, 'engine.status', { queued, running, mine }), locale, kind: 'info', ephemeral: true });
        return;
      }
      case 'settings': {
        if (!mayAct) return void (await refuse());
        const ttl = this.ms(this.config.sessionTtlSeconds);
        const [next] = await Promise.all([
          this.store.update<ThreadSettings>(this.settingsKey(inv.thread), (cur) => applySettings(cur ?? {}, inv.options ?? {}), ttl),
          this.store.update<ThreadSettings>(this.userSettingsKey(inv.platform, inv.user.id), (cur) => applySettings(cur ?? {}, inv.options ?? {}), ttl),
        ]);
        const shown = Object.entries(next ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ') || t(locale, 'engine.settings_none');
        const replyLocale = next?.locale ?? locale;
        await adapter.sendEphemeral(inv.thread, inv.user, { text: t(replyLocale, 'engine.settings_saved', { settings: shown }), locale: replyLocale, kind: 'info', ephemeral: true });
        return;
      }
      case 'undo':
        if (!session) return void (await adapter.send(inv.thread, { text: t(locale, 'engine.no_photo'), locale, kind: 'info' }));
        if (!mayAct) return void (await refuse());
        await this.moveHistory(inv.thread, 'undo', locale, adapter);
        return;
      case 'suggest':
        if (!session) return void (await adapter.send(inv.thread, { text: t(locale, 'engine.no_photo'), locale, kind: 'info' }));
        if (!mayAct) return void (await refuse());
        await adapter.send(inv.thread, { text: t(locale, 'engine.ack_suggest'), locale, kind: 'ack' });
        await this.suggest(session, locale, adapter, { ignored: [], overlay: false });
        return;
    }
  }

  private readonly jobIds = new Set<string>();
  private readonly progressOf = new Map<string, ProgressMessage>();
  /** Jobs started here, with what their runner needs when it runs in this process too. */
  private readonly localJobs = new Map<string, { job: JobRecord; adapter: ChatAdapter; progress: ProgressMessage; messageSent: Promise<void> }>();

  // ── buttons ──────────────────────────────────────────────────────────────

  private async onAction(action: ActionEvent, adapter: ChatAdapter): Promise<void> {
    if (!(await this.firstDelivery(action.platform, action.eventId))) return;
    void this.registerAdapter(adapter);
    const parsed = parseActionId(action.actionId);
    const scope = parsed ? await this.store.get<ActionScope>(`a:${parsed.token}`) : undefined;
    const session = await this.store.get<ThreadSession>(this.sessionKey(scope?.thread ?? action.thread));
    const settings = await this.settingsOf(action.thread, action.user.id);
    const locale = settings.locale ?? (action.locale ? resolveLocale(action.locale, session?.locale ?? this.config.defaultLocale) : (session?.locale ?? this.config.defaultLocale));
    const ephemeral = (key: MessageKey, params: Record<string, string | number> = {}) =>
      (this.rejected(), adapter).sendEphemeral(action.thread, action.user, { text: t(locale, key, params), locale, kind: 'error', ephemeral: true });

    if (!parsed || !scope) return void (await ephemeral('engine.expired'));
    if (this.config.actionPolicy === 'owner' && action.user.id !== scope.owner) {
      return void (await ephemeral('engine.not_owner', { owner: session?.ownerName ?? scope.owner }));
    }
    if (!session || session.id !== scope.sessionId) return void (await ephemeral('engine.stale'));
    const { token, verb } = parsed;

    if (verb === 'pick') {
      if (scope.kind !== 'proposal') return void (await ephemeral('engine.expired'));
      const picked = (action.values ?? []).map(Number).filter((n) => Number.isInteger(n) && n >= 0);
      await this.store.update<Proposal>(`p:${scope.proposalId}`, (p) => (p ? { ...p, selected: picked } : p), this.ms(this.config.actionTtlSeconds));
      return;
    }

    // A double click (or two people racing) runs once: the first click claims the button.
    const claimKey = `click:${token}.${verb}`;
    if (!(await this.store.claim(claimKey, this.ms(this.config.actionTtlSeconds)))) return void (await ephemeral('engine.already_done'));
    const release = () => this.store.releaseClaim(claimKey);

    switch (verb) {
      case 'undo':
      case 'redo':
        await this.moveHistory(scope.thread, verb, locale, adapter);
        return;
      case 'sug':
        await adapter.send(scope.thread, { text: t(locale, 'engine.ack_suggest'), locale, kind: 'ack' });
        await this.suggest(session, locale, adapter, { ignored: [], overlay: false });
        return;
    }

    if (scope.kind === 'proposal') {
      const proposal = await this.store.get<Proposal>(`p:${scope.proposalId}`);
      if (!proposal) return void (await ephemeral('engine.expired'));
      if (verb === 'x') {
        await this.store.set(`p:${proposal.id}`, { ...proposal, state: 'cancelled' }, this.ms(this.config.actionTtlSeconds));
        const reply: Reply = { text: t(locale, 'engine.proposal_cancelled'), locale, kind: 'info' };
        if (proposal.message ?? action.message) await adapter.update((proposal.message ?? action.message)!, reply);
        else await adapter.send(scope.thread, reply);
        return;
      }
      if (proposal.state === 'cancelled') return void (await ephemeral('engine.proposal_cancelled'));
      let commands: Command[] = [];
      if (verb === 'all') commands = proposal.commands;
      else if (verb === 'sel') commands = (proposal.selected ?? []).map((i) => proposal.commands[i]!).filter(Boolean);
      else if (/^c\d+$/.test(verb)) commands = [proposal.commands[Number(verb.slice(1))]!].filter(Boolean);
      if (commands.length === 0) {
        await release();
        return void (await ephemeral(verb === 'sel' ? 'engine.select_first' : 'engine.nothing_to_run'));
      }
      const started = await this.startJob({ session, commands, base: session.current, user: action.user, locale, adapter });
      if (!started) await release();
      return;
    }

    if (scope.kind === 'job') {
      const job = await this.store.get<JobRecord>(`j:${scope.jobId}`);
      if (!job) return void (await ephemeral('engine.expired'));
      if (verb === 'x') {
        const where = await this.queue.cancel({ id: job.id, user: job.user ?? job.owner, lane: job.lane });
        if (where === 'queued') await this.finishJob(job, adapter, { state: 'cancelled' });
        else if (where === 'unknown') await ephemeral('engine.already_done');
        return;
      }
      if (verb === 'cont') {
        if (!job.result || !session.revisions[job.result]) return void (await ephemeral('engine.stale'));
        await this.updateSession(scope.thread, (s) => advanceTo(s, job.result!, this.config.maxRevisions));
        await adapter.send(scope.thread, { text: t(locale, 'engine.continue_done'), locale, kind: 'info', buttons: [this.threadButtons(await this.newScope({ kind: 'thread', thread: scope.thread, owner: scope.owner, sessionId: scope.sessionId }), locale)] });
        return;
      }
      if (verb === 'retry') {
        const base = session.revisions[job.base] ? job.base : session.current;
        const started = await this.startJob({ session, commands: job.commands, base, user: action.user, locale, adapter, newSeed: true });
        if (!started) await release();
        return;
      }
    }
    await ephemeral('engine.expired');
  }

  private threadButtons(token: string, locale: Locale): Button[] {
    return [
      { id: actionId(token, 'undo'), label: t(locale, 'engine.btn_undo'), style: 'secondary' },
      { id: actionId(token, 'redo'), label: t(locale, 'engine.btn_redo'), style: 'secondary' },
      { id: actionId(token, 'sug'), label: t(locale, 'engine.btn_suggest'), style: 'secondary' },
    ];
  }

  private async moveHistory(thread: ThreadRef, dir: 'undo' | 'redo', locale: Locale, adapter: ChatAdapter): Promise<void> {
    let moved = false;
    const session = await this.updateSession(thread, (s) => {
      moved = dir === 'undo' ? undoOnce(s) : redoOnce(s);
    });
    if (!session || !moved) {
      await adapter.send(thread, { text: t(locale, dir === 'undo' ? 'engine.nothing_to_undo' : 'engine.nothing_to_redo'), locale, kind: 'info' });
      return;
    }
    const rev = currentRevision(session);
    const token = await this.newScope({ kind: 'thread', thread, owner: session.owner, sessionId: session.id });
    const image = await this.replyImage(rev.blob, adapter.uploadLimit(thread), t(locale, 'engine.alt_current'), rev);
    await adapter.send(thread, { text: t(locale, dir === 'undo' ? 'engine.undo_done' : 'engine.redo_done'), images: [image], buttons: [this.threadButtons(token, locale)], locale, kind: 'result' });
  }

  /** A stored image as an attachment: as stored when it fits and is a web format, else re-encoded. */
  private async replyImage(blob: BlobRef, limit: number, alt: string, rev: Revision): Promise<ReplyImage> {
    const data = await this.blobs.get(blob.id);
    const mime = blob.mimeType;
    if (data.length <= limit && (mime === 'image/png' || mime === 'image/jpeg' || mime === 'image/webp')) {
      return { data, mimeType: mime, filename: `photo.${mime.split('/')[1] === 'jpeg' ? 'jpg' : mime.split('/')[1]}`, alt, width: rev.width, height: rev.height };
    }
    const raw = await decodeImage(data, { channels: 4, limits: this.limits });
    const up = await this.encodeUpload(raw, limit);
    return { ...up, alt, width: rev.width, height: rev.height };
  }

  private encodeUpload(img: RawImage, limit: number): Promise<UploadImage> {
    return (this.deps.encodeForUpload ?? encodeForUpload)(img, limit);
  }

  // ── jobs ─────────────────────────────────────────────────────────────────

  private laneFor(commands: Command[], settings: ThreadSettings): string {
    const generative = commands.some((c) => this.deps.catalog?.rule(c.command)?.executor === 'generative');
    if (generative) return settings.backend ?? 'generative';
    return this.deps.catalog ? 'local' : 'default';
  }

  /** Refuses politely when the user is over their limits; returns whether the job was queued. */
  private async startJob(o: { session: ThreadSession; commands: Command[]; base: string; user: UserRef; locale: Locale; adapter: ChatAdapter; newSeed?: boolean }): Promise<boolean> {
    const { session, adapter, locale } = o;
    if (this.closed) {
      this.rejected();
      await adapter.sendEphemeral(session.thread, o.user, { text: t(locale, 'engine.shutting_down'), locale, kind: 'error', ephemeral: true });
      return false;
    }
    const now = Date.now();
    const recent = this.queue.recentStarts ? await this.queue.recentStarts(o.user.id, 60 * SECOND) : (this.starts.get(o.user.id) ?? []).filter((ts) => now - ts < 60 * SECOND);
    if (recent.length >= this.config.jobs.perUserPerMinute) {
      const wait = Math.ceil((60 * SECOND - (now - recent[0]!)) / SECOND);
      this.rejected();
      await adapter.sendEphemeral(session.thread, o.user, { text: t(locale, 'engine.rate_limited', { seconds: wait }), locale, kind: 'error', ephemeral: true });
      return false;
    }
    const active = await this.queue.countForUser(o.user.id);
    if (active >= this.config.jobs.maxQueuedPerUser) {
      this.rejected();
      await adapter.sendEphemeral(session.thread, o.user, { text: t(locale, 'engine.too_many_jobs', { count: active }), locale, kind: 'error', ephemeral: true });
      return false;
    }
    if (this.queue.recordStart) await this.queue.recordStart(o.user.id, 60 * SECOND);
    recent.push(now);
    if (!this.queue.recordStart) this.starts.set(o.user.id, recent);
    if (this.starts.size > 10_000) {
      for (const [user, times] of this.starts) if (now - times.at(-1)! >= 60 * SECOND) this.starts.delete(user);
    }

    const settings = { ...(await this.settingsOf(session.thread, session.owner)) };
    if (o.newSeed) settings.seed = Math.floor(Math.random() * 2 ** 31);
    const job: JobRecord = {
      id: newId(16),
      sessionId: session.id,
      thread: session.thread,
      owner: session.owner,
      user: o.user.id,
      commands: o.commands,
      base: o.base,
      settings,
      lane: this.laneFor(o.commands, settings),
      state: 'queued',
      instance: this.instanceId,
      locale,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.set(`a:${job.id}`, { kind: 'job', thread: job.thread, owner: job.owner, sessionId: job.sessionId, jobId: job.id } satisfies ActionScope, this.ms(this.config.actionTtlSeconds));
    await this.saveJob(job);
    await this.ensureRegistered();
    // The in-process queue dies with this process: list the job so a restart can report it. A shared
    // queue keeps it in Redis, where another instance (or this one, restarted) runs it.
    if (!this.queue.shared) await this.store.update<string[]>(`jobs:${this.instanceId}`, (ids) => [...(ids ?? []), job.id]);

    const progress = new ProgressMessage(adapter, this.config.jobs.progressIntervalMs, (err) => this.log.warn({ err: errorMessage(err) }, 'progress update failed'));
    let sent!: () => void;
    const messageSent = new Promise<void>((r) => (sent = r));
    this.jobIds.add(job.id);
    this.progressOf.set(job.id, progress);
    this.localJobs.set(job.id, { job, adapter, progress, messageSent });
    const queued = { id: job.id, user: o.user.id, lane: job.lane };
    const onPosition = (position: number) => progress.push(this.progressReply(job, { state: 'queued', position }));
    try {
      // A shared queue may hand the job to another instance at once: the message it edits must exist first.
      const position = this.queue.shared ? await this.queue.estimatePosition(job.lane) : await this.queue.enqueue(queued, onPosition);
      const first = position ? this.progressReply(job, { state: 'queued', position }) : this.progressReply(job, { state: 'running' });
      try {
        job.message = await adapter.send(session.thread, first);
        progress.attach(job.message, first);
        await this.saveJob(job);
      } finally {
        sent();
      }
      if (this.queue.shared) await this.queue.enqueue(queued, onPosition);
    } catch (err) {
      this.localJobs.delete(job.id);
      if (this.queue.shared) await this.finishJob(job, adapter, { state: 'failed', progress, failure: t(locale, 'engine.failed', { reason: t(locale, 'engine.failed_unknown') }) }).catch(() => undefined);
      throw err;
    }
    return true;
  }

  private saveJob(job: JobRecord): Promise<void> {
    job.updatedAt = Date.now();
    return this.store.set(`j:${job.id}`, job, this.ms(this.config.actionTtlSeconds));
  }

  private progressReply(job: JobRecord, p: { state: 'queued' | 'running'; position?: number; fraction?: number }): Reply {
    const commands = describeCommands(job.commands, job.locale);
    const text =
      p.state === 'queued'
        ? t(job.locale, 'engine.queued', { commands, position: p.position ?? 1 })
        : p.fraction !== undefined
          ? t(job.locale, 'engine.running_percent', { commands, percent: Math.round(p.fraction * 100) })
          : t(job.locale, 'engine.running', { commands });
    return {
      text,
      progress: { state: p.state, position: p.position, fraction: p.fraction },
      buttons: [[{ id: actionId(job.id, 'x'), label: t(job.locale, 'engine.btn_cancel'), style: 'danger' }]],
      locale: job.locale,
      kind: 'progress',
    };
  }

  /**
   * The queue's runner: a job started here runs with what startJob prepared; one started by another
   * instance (shared queue) is loaded from the store and answered through this instance's adapter
   * for its platform, editing the same progress message.
   */
  private async runQueued(id: string, signal: AbortSignal): Promise<void> {
    const local = this.localJobs.get(id);
    if (local) {
      await local.messageSent;
      return this.runJob(local.job, local.adapter, local.progress, signal);
    }
    const job = await this.store.get<JobRecord>(`j:${id}`);
    // Finished or cancelled meanwhile (or expired): nothing to run, nothing to say.
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return;
    const adapter = this.adapters.get(job.thread.platform);
    // Thrown: the queue tries again later, on an instance where that platform's bot is connected.
    if (!adapter) throw new Error(`no ${job.thread.platform} adapter on this instance`);
    const progress = new ProgressMessage(adapter, this.config.jobs.progressIntervalMs, (err) => this.log.warn({ err: errorMessage(err) }, 'progress update failed'));
    if (job.message) progress.attach(job.message, this.progressReply(job, { state: job.state === 'running' ? 'running' : 'queued', position: 1 }));
    this.jobIds.add(job.id);
    this.progressOf.set(job.id, progress);
    await this.runJob(job, adapter, progress, signal);
  }

  /** A job the shared queue gave up on (its workers kept dying): the user gets a failure with Retry, never silence. */
  private async reportLost(id: string, reason: string): Promise<void> {
    const job = await this.store.get<JobRecord>(`j:${id}`);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return;
    const adapter = this.adapters.get(job.thread.platform);
    if (!adapter) {
      this.log.error({ reason, platform: job.thread.platform }, 'job lost and no adapter here to tell the user');
      return;
    }
    if (!(await this.store.claim(`recover:${id}`, this.ms(this.config.actionTtlSeconds)))) return;
    this.log.warn({ reason }, 'job lost: reporting it to the user');
    await this.finishJob(job, adapter, { state: 'failed', failure: t(job.locale, 'engine.interrupted') });
  }

  private async runJob(job: JobRecord, adapter: ChatAdapter, progress: ProgressMessage, cancelSignal: AbortSignal): Promise<void> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new JobTimeout('timeout')), this.ms(this.config.jobs.timeoutSeconds));
    const signal = AbortSignal.any([cancelSignal, timeout.signal]);
    try {
      job.state = 'running';
      await this.saveJob(job);
      progress.push(this.progressReply(job, { state: 'running' }));
      const session = await this.store.get<ThreadSession>(this.sessionKey(job.thread));
      const base = session?.revisions[job.base];
      if (!session || session.id !== job.sessionId || !base) throw new UserFacingError('engine.stale');
      const image = await this.blobs.get(base.blob.id);
      let labelMap: LabelMap | undefined;
      if (this.deps.executor.needsSegmentation(job.commands)) {
        const seg = await this.segmentFor(base.blob, job.locale);
        if (!seg.map) throw new UserFacingError('engine.parts_unavailable', { commands: describeCommands(job.commands, job.locale) });
        labelMap = seg.map;
      }
      const faceSource = session.faceSource ? await this.blobs.get(session.faceSource.id) : undefined;
      const executor = this.deps.executor;
      const result = await abortable(
        timed('executor', () => executor.execute({
          image,
          labelMap,
          commands: job.commands,
          faceSource,
          settings: job.settings,
          signal,
          onProgress: (p) => progress.push(this.progressReply(job, { state: 'running', fraction: Math.max(0, Math.min(1, p.fraction)) })),
        })),
        signal,
      );
      if (result.applied.length === 0) {
        // Every command was skipped: say why instead of posting an unchanged photo as "done".
        const reasons = result.skipped.map((sk) => `${describeCommand(sk.command, job.locale)}: ${t(job.locale, sk.reason)}`).join('\n');
        throw new UserFacingError('engine.nothing_applied', { reasons: reasons || t(job.locale, 'engine.failed_unknown') });
      }
      const limit = adapter.uploadLimit(job.thread);
      const upload = await this.encodeUpload(result.image, limit);
      signal.throwIfAborted();
      // Revisions are kept lossless so the next edit does not start from a JPEG.
      const lossless = upload.mimeType === 'image/png' ? upload.data : await sharp(result.image.data, { raw: { width: result.image.width, height: result.image.height, channels: result.image.channels } }).png({ compressionLevel: 1 }).toBuffer();
      const blob = await this.blobs.put(lossless, 'image/png');
      const revision: Revision = { id: newId(6), blob, width: result.image.width, height: result.image.height, parent: job.base, commands: result.applied, createdAt: Date.now() };
      const updated = await this.updateSession(job.thread, (s) => {
        if (s.id !== job.sessionId) return;
        s.revisions[revision.id] = revision;
        advanceTo(s, revision.id, this.config.maxRevisions);
      });
      if (!updated || updated.id !== job.sessionId) throw new UserFacingError('engine.stale');
      job.result = revision.id;
      const locale = job.locale;
      const fields: { label: string; value: string }[] = [];
      if (result.skipped.length) fields.push({ label: t(locale, 'engine.field_skipped'), value: result.skipped.map((s) => `${describeCommand(s.command, locale)}: ${t(locale, s.reason)}`).join('\n') });
      if (result.advice.length) fields.push({ label: t(locale, 'engine.field_advice'), value: truncate(result.advice.join('\n'), 1000) });
      if (result.fallbackReason) fields.push({ label: t(locale, 'engine.field_note'), value: t(locale, result.fallbackReason) });
      const applied = describeCommands(result.applied, locale);
      await this.finishJob(job, adapter, {
        state: 'done',
        progress,
        reply: {
          text: t(locale, 'engine.done', { commands: applied }),
          fields: fields.length ? fields : undefined,
          images: [{ ...upload, alt: t(locale, 'engine.alt_result', { commands: applied }), width: result.image.width, height: result.image.height }],
          buttons: [
            [
              { id: actionId(job.id, 'undo'), label: t(locale, 'engine.btn_undo'), style: 'secondary' },
              { id: actionId(job.id, 'cont'), label: t(locale, 'engine.btn_continue'), style: 'primary' },
              { id: actionId(job.id, 'retry'), label: t(locale, 'engine.btn_retry'), style: 'secondary' },
              { id: actionId(job.id, 'sug'), label: t(locale, 'engine.btn_suggest'), style: 'secondary' },
            ],
          ],
          progress: { state: 'done' },
          locale,
          kind: 'result',
        },
      });
    } catch (err) {
      // Shutting down: the shared queue gives the job to another instance, which reports it.
      if (cancelSignal.reason instanceof JobHandedBack) throw cancelSignal.reason;
      if (cancelSignal.aborted) await this.finishJob(job, adapter, { state: 'cancelled', progress });
      else if (timeout.signal.aborted) await this.finishJob(job, adapter, { state: 'failed', progress, timedOut: true, failure: t(job.locale, 'engine.timeout', { seconds: this.config.jobs.timeoutSeconds }) });
      else {
        let reason: string;
        if (err instanceof UserFacingError) reason = t(job.locale, err.key, err.params);
        else {
          errorsTotal.inc({ area: 'engine' });
          this.log.error({ err, job: job.id }, 'job failed');
          reason = t(job.locale, 'engine.failed', { reason: t(job.locale, 'engine.failed_unknown') });
        }
        await this.finishJob(job, adapter, { state: 'failed', progress, failure: reason });
      }
    } finally {
      clearTimeout(timer);
      this.jobIds.delete(job.id);
      this.localJobs.delete(job.id);
    }
  }

  /** The one final edit of a job's message: result, failure with Retry, or cancellation. */
  private async finishJob(job: JobRecord, adapter: ChatAdapter, o: { state: 'done' | 'failed' | 'cancelled'; progress?: ProgressMessage; reply?: Reply; failure?: string; timedOut?: boolean }): Promise<void> {
    job.state = o.state;
    job.failure = o.failure;
    jobsTotal.inc({ state: o.timedOut ? 'timeout' : o.state });
    this.log.info({ jobId: job.id, state: o.state, lane: job.lane }, 'job finished');
    await this.saveJob(job);
    if (!this.queue.shared) await this.store.update<string[]>(`jobs:${job.instance ?? this.instanceId}`, (ids) => (ids ?? []).filter((id) => id !== job.id));
    const locale = job.locale;
    const progress = o.progress ?? this.progressOf.get(job.id);
    this.progressOf.delete(job.id);
    this.jobIds.delete(job.id);
    const reply: Reply =
      o.reply ??
      (o.state === 'cancelled'
        ? { text: t(locale, 'engine.cancelled', { commands: describeCommands(job.commands, locale) }), progress: { state: 'cancelled' }, locale, kind: 'info' }
        : {
            text: o.failure ?? t(locale, 'engine.failed', { reason: t(locale, 'engine.failed_unknown') }),
            progress: { state: 'failed' },
            buttons: [[{ id: actionId(job.id, 'retry'), label: t(locale, 'engine.btn_retry'), style: 'primary' }]],
            locale,
            kind: 'error',
          });
    if (progress) await progress.finish(reply, job.thread);
    else if (job.message) await adapter.update(job.message, reply);
    else await adapter.send(job.thread, reply);
  }

  /**
   * Puts this instance in the registry. On a shared store (Redis) it also keeps a heartbeat, so
   * other instances leave its jobs alone while it lives, and sweeps for instances that died.
   */
  private ensureRegistered(): Promise<void> {
    this.registered ??= (async () => {
      await this.store.update<string[]>('instances', (ids) => [...new Set([...(ids ?? []), this.instanceId])]);
      if (this.store.kind !== 'redis') return;
      const beat = () => this.store.set(`hb:${this.instanceId}`, Date.now(), 30 * SECOND).catch((err) => this.log.warn({ err }, 'heartbeat failed'));
      await beat();
      this.heartbeat = setInterval(() => {
        void beat();
        for (const adapter of this.adapters.values()) void this.recoverInterrupted(adapter).catch(() => undefined);
      }, 10 * SECOND);
      this.heartbeat.unref?.();
    })();
    return this.registered;
  }

  /** Jobs of instances that are gone (a restart, a crash) are reported failed with a Retry button. */
  private async recoverInterrupted(adapter: ChatAdapter): Promise<void> {
    const instances = (await this.store.get<string[]>('instances')) ?? [];
    for (const inst of instances) {
      if (inst === this.instanceId) continue;
      // Single-process stores (memory, SQLite): any other instance is a previous run of this process.
      if (this.store.kind === 'redis' && (await this.store.get(`hb:${inst}`)) !== undefined) continue;
      const ids = (await this.store.get<string[]>(`jobs:${inst}`)) ?? [];
      for (const id of ids) {
        const job = await this.store.get<JobRecord>(`j:${id}`);
        if (job && job.thread.platform !== adapter.platform) continue;
        if (!job || (job.state !== 'queued' && job.state !== 'running')) {
          await this.store.update<string[]>(`jobs:${inst}`, (cur) => (cur ?? []).filter((x) => x !== id));
          continue;
        }
        // Several instances may sweep at once: one of them reports.
        if (!(await this.store.claim(`recover:${id}`, this.ms(this.config.actionTtlSeconds)))) continue;
        this.log.warn({ job: id }, 'reporting a job interrupted by a restart');
        try {
          await this.finishJob({ ...job, instance: inst }, adapter, { state: 'failed', failure: t(job.locale, 'engine.interrupted') });
        } catch (err) {
          this.log.error({ err, job: id }, 'could not report an interrupted job');
        }
      }
      const left = (await this.store.get<string[]>(`jobs:${inst}`)) ?? [];
      if (left.length === 0) {
        await this.store.delete(`jobs:${inst}`);
        await this.store.update<string[]>('instances', (cur) => (cur ?? []).filter((x) => x !== inst));
      }
    }
  }
}

/**
 * One message showing a job's queue position and progress. Edits are throttled (platform rate
 * limits) and serialised, and the final edit always lands last.
 */
class ProgressMessage {
  private ref?: MessageRef;
  private shown?: Reply;
  private pending?: Reply;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private lastAt = 0;
  private done = false;

  constructor(
    private readonly adapter: ChatAdapter,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  attach(ref: MessageRef, shown: Reply): void {
    this.ref = ref;
    this.shown = shown;
    this.lastAt = Date.now();
    if (this.pending) this.schedule();
  }

  push(reply: Reply): void {
    if (this.done) return;
    this.pending = reply;
    if (this.ref) this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref?.();
  }

  private flush(): void {
    const next = this.pending;
    this.pending = undefined;
    if (!next || this.done || !this.ref || sameReply(next, this.shown)) return;
    this.shown = next;
    this.lastAt = Date.now();
    const ref = this.ref;
    this.chain = this.chain.then(() => this.adapter.update(ref, next)).catch(this.onError);
  }

  async finish(reply: Reply, thread: ThreadRef): Promise<void> {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
    if (this.ref) await this.adapter.update(this.ref, reply);
    else await this.adapter.send(thread, reply);
  }
}

function sameReply(a: Reply, b: Reply | undefined): boolean {
  return !!b && a.text === b.text && a.progress?.state === b.progress?.state;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

function applySettings(cur: ThreadSettings, options: Record<string, string | number | boolean>): ThreadSettings | undefined {
  const next: ThreadSettings = { ...cur };
  for (const [k, v] of Object.entries(options)) {
    if (k === 'backend' && typeof v === 'string') next.backend = v === 'default' ? undefined : v;
    else if (k === 'locale' && typeof v === 'string') next.locale = v.toLowerCase().startsWith('zh') ? 'zh-CN' : v.toLowerCase().startsWith('en') ? 'en' : undefined;
    else if ((k === 'strength' || k === 'seed' || k === 'steps' || k === 'cfgScale') && v !== '' && Number.isFinite(Number(v))) next[k] = Number(v);
  }
  for (const key of Object.keys(next) as (keyof ThreadSettings)[]) if (next[key] === undefined) delete next[key];
  return next;
}

