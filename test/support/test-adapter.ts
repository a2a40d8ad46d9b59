import { randomBytes } from 'node:crypto';
import type { Engine } from '../../src/engine/index.js';
import { ReplyExpiredError } from '../../src/engine/types.js';
import type { ActionEvent, Button, ChatAdapter, CommandInvocation, ImageRef, IncomingMessage, MessageRef, Platform, Reply, ReplyContext, ThreadRef, UserRef } from '../../src/engine/types.js';

/** One thing the engine did through the adapter, in order. */
export interface Recorded {
  type: 'send' | 'update' | 'ephemeral';
  thread: ThreadRef;
  /** The message sent or edited (absent for ephemeral replies). */
  ref?: MessageRef;
  user?: UserRef;
  reply: Reply;
  at: number;
}

/** A posted message and its latest content. */
export interface TestMessage {
  ref: MessageRef;
  thread: ThreadRef;
  reply: Reply;
  edits: Reply[];
}

export interface TestAdapterOptions {
  platform?: Platform;
  /** Upload limit reported for every thread (bytes). */
  uploadLimit?: number;
  /** Default user for helpers. */
  user?: UserRef;
  workspace?: string;
  channel?: string;
  /** Delay added to every send/update (simulates a slow platform). */
  latencyMs?: number;
  /** Images become messages of their own (as on Slack). */
  imagesAsMessages?: boolean;
  /** How long an event's reply context lives (as a Discord interaction token without a bot token). */
  replyLifeMs?: number;
}

/** The parts of the engine a platform talks to. */
type EngineLike = Pick<Engine, 'deliver' | 'attach' | 'recover' | 'idle'>;

/** Bytes of the images tests attach, by id (what a platform's file store would serve). */
const files = new Map<string, Buffer>();

/**
 * An in-memory ChatAdapter for tests and benches: records every send, update and ephemeral reply
 * with its thread, and drives an engine like a platform would (messages, clicks, selections).
 */
export class TestAdapter implements ChatAdapter {
  readonly platform: Platform;
  readonly log: Recorded[] = [];
  readonly messages = new Map<string, TestMessage>();
  private seq = 0;
  private readonly limit: number;
  private readonly latency: number;
  readonly defaultUser: UserRef;
  private readonly workspace: string;
  private readonly channel: string;
  /** Observers (bench timing): called synchronously for every recorded reply. */
  readonly listeners: ((r: Recorded) => void)[] = [];
  /** The reply context of every send, update and ephemeral reply, in order (what a platform would get). */
  readonly contexts: (ReplyContext | undefined)[] = [];
  readonly imagesAsMessages: boolean;
  private readonly replyLife?: number;
  /** Reply contexts that no longer deliver (as an expired interaction token): by their `at` stamp. */
  private expiredBefore = 0;

  constructor(
    public engine?: EngineLike,
    opts: TestAdapterOptions = {},
  ) {
    this.platform = opts.platform ?? 'web';
    this.limit = opts.uploadLimit ?? 8 * 1024 * 1024;
    this.latency = opts.latencyMs ?? 0;
    this.defaultUser = opts.user ?? { id: 'U1', name: 'alice' };
    this.workspace = opts.workspace ?? 'W1';
    this.channel = opts.channel ?? 'C1';
    this.imagesAsMessages = opts.imagesAsMessages ?? false;
    this.replyLife = opts.replyLifeMs;
    if (engine) this.attach(engine);
  }

  /** With `replyLifeMs`, every event's context carries when it was given out; the deadline follows. */
  replyDeadline(ctx?: ReplyContext): number | undefined {
    if (this.replyLife === undefined || typeof ctx?.at !== 'number') return undefined;
    return ctx.at + this.replyLife;
  }

  /** Every reply context given out so far stops delivering (time passed beyond the platform's limit). */
  expireReplies(): void {
    this.expiredBefore = this.contextSeq + 1;
  }

  private checkLive(ctx: ReplyContext | undefined): void {
    if (this.replyLife !== undefined && typeof ctx?.n === 'number' && ctx.n < this.expiredBefore) throw new ReplyExpiredError();
  }

  private contextSeq = 0;

  /** A reply context as a platform with limited reply time would hand it over. */
  replyContext(): ReplyContext | undefined {
    return this.replyLife === undefined ? undefined : { at: Date.now(), n: ++this.contextSeq };
  }

  // ── ChatAdapter ──────────────────────────────────────────────────────────

  async send(thread: ThreadRef, reply: Reply, ctx?: ReplyContext): Promise<MessageRef> {
    this.contexts.push(ctx);
    this.checkLive(ctx);
    if (this.latency) await sleep(this.latency);
    const ref: MessageRef = { platform: this.platform, channel: thread.channel, thread: thread.thread, id: `m${++this.seq}` };
    this.messages.set(ref.id, { ref, thread, reply, edits: [] });
    this.record({ type: 'send', thread, ref, reply, at: Date.now() });
    return ref;
  }

  async update(message: MessageRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
    this.contexts.push(ctx);
    this.checkLive(ctx);
    if (this.latency) await sleep(this.latency);
    const m = this.messages.get(message.id);
    if (!m) throw new Error(`update of unknown message ${message.id}`);
    // What the platform shows: an edit that keeps the images leaves the message's pictures as they were.
    const shown = reply.keepImages ? { ...reply, images: m.reply.images } : reply;
    m.edits.push(shown);
    m.reply = shown;
    this.record({ type: 'update', thread: m.thread, ref: message, reply, at: Date.now() });
  }

  async sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
    this.contexts.push(ctx);
    this.checkLive(ctx);
    if (this.latency) await sleep(this.latency);
    this.record({ type: 'ephemeral', thread, user, reply, at: Date.now() });
  }

  uploadLimit(): number {
    return this.limit;
  }

  async download(image: ImageRef): Promise<Buffer> {
    const data = files.get(image.id);
    if (!data) throw new Error(`no test file ${image.id}`);
    return data;
  }

  private record(r: Recorded): void {
    this.log.push(r);
    for (const l of this.listeners) l(r);
  }

  // ── driving the engine ───────────────────────────────────────────────────

  thread(id = 'T1', channel = this.channel): ThreadRef {
    return { platform: this.platform, workspace: this.workspace, channel, thread: id };
  }

  /** An ImageRef over bytes already in memory (download serves them). */
  static image(data: Buffer, opts: { name?: string; mimeType?: string; id?: string } = {}): ImageRef {
    const id = opts.id ?? `f${randomBytes(6).toString('hex')}`;
    files.set(id, data);
    return { id, name: opts.name ?? 'photo.png', mimeType: opts.mimeType ?? 'image/png', size: data.length };
  }

  makeMessage(o: { text?: string; images?: (Buffer | ImageRef)[]; thread?: ThreadRef | string; user?: UserRef; locale?: string; eventId?: string; otherFiles?: string[]; points?: { x: number; y: number }[] }): IncomingMessage {
    const thread = typeof o.thread === 'string' ? this.thread(o.thread) : (o.thread ?? this.thread());
    return {
      platform: this.platform,
      eventId: o.eventId ?? `ev${randomBytes(6).toString('hex')}`,
      thread,
      user: o.user ?? this.defaultUser,
      locale: o.locale,
      text: o.text ?? '',
      images: (o.images ?? []).map((i) => (Buffer.isBuffer(i) ? TestAdapter.image(i) : i)),
      otherFiles: o.otherFiles,
      points: o.points,
      receivedAt: Date.now(),
    };
  }

  /** Posts a message as a user would; resolves when the engine has handled it (jobs may still run). */
  async post(o: Parameters<TestAdapter['makeMessage']>[0] & { ctx?: ReplyContext }): Promise<IncomingMessage> {
    const msg = this.makeMessage(o);
    await this.requireEngine().deliver({ kind: 'message', message: msg }, o.ctx ?? this.replyContext());
    return msg;
  }

  async command(name: CommandInvocation['name'], o: Parameters<TestAdapter['makeMessage']>[0] & { options?: CommandInvocation['options']; ctx?: ReplyContext } = {}): Promise<void> {
    const command: CommandInvocation = { ...this.makeMessage(o), name, options: o.options };
    await this.requireEngine().deliver({ kind: 'command', command }, o.ctx ?? this.replyContext());
  }

  /** Every button currently shown in a thread, newest message first. */
  buttons(thread?: ThreadRef | string): { button: Button; message: TestMessage }[] {
    const key = thread === undefined ? undefined : typeof thread === 'string' ? thread : thread.thread;
    const out: { button: Button; message: TestMessage }[] = [];
    for (const m of [...this.messages.values()].reverse()) {
      if (key !== undefined && m.thread.thread !== key) continue;
      // A disabled button (what a click chose) cannot be pressed, as on the platforms.
      for (const row of m.reply.buttons ?? []) for (const b of row) if (!b.disabled) out.push({ button: b, message: m });
    }
    return out;
  }

  /** The newest button whose label matches (exact string, or a RegExp). */
  findButton(label: string | RegExp, thread?: ThreadRef | string): { button: Button; message: TestMessage } | undefined {
    return this.buttons(thread).find(({ button }) => (typeof label === 'string' ? button.label === label : label.test(button.label)));
  }

  /** The buttons of the newest message in the thread that has any. */
  latestButtons(thread?: ThreadRef | string): Button[] {
    const first = this.buttons(thread)[0];
    return first ? (first.message.reply.buttons ?? []).flat() : [];
  }

  /** How many messages a thread holds (sent ones; edits change a message, ephemeral replies are not in the thread). */
  messageCount(thread?: ThreadRef | string): number {
    return this.threadMessages(thread).length;
  }

  async clickId(actionId: string, o: { thread?: ThreadRef | string; user?: UserRef; message?: MessageRef; values?: string[]; eventId?: string; locale?: string; ctx?: ReplyContext } = {}): Promise<ActionEvent> {
    const thread = typeof o.thread === 'string' ? this.thread(o.thread) : (o.thread ?? this.thread());
    const action: ActionEvent = {
      platform: this.platform,
      eventId: o.eventId ?? `ac${randomBytes(6).toString('hex')}`,
      thread,
      user: o.user ?? this.defaultUser,
      locale: o.locale,
      actionId,
      values: o.values,
      message: o.message,
    };
    await this.requireEngine().deliver({ kind: 'action', action }, o.ctx ?? this.replyContext());
    return action;
  }

  /** Clicks the newest button with that label in the thread; throws when there is none. */
  async click(label: string | RegExp, o: { thread?: ThreadRef | string; user?: UserRef; eventId?: string; ctx?: ReplyContext } = {}): Promise<ActionEvent> {
    const found = this.findButton(label, o.thread);
    if (!found) throw new Error(`no button ${String(label)} in ${JSON.stringify(this.buttons(o.thread).map((b) => b.button.label))}`);
    return this.clickId(found.button.id, { ...o, thread: o.thread ?? found.message.thread, message: found.message.ref });
  }

  /** Chooses options (by value or by label) in the newest select menu of the thread. */
  async select(choices: string[], o: { thread?: ThreadRef | string; user?: UserRef } = {}): Promise<ActionEvent> {
    const key = o.thread === undefined ? undefined : typeof o.thread === 'string' ? o.thread : o.thread.thread;
    const m = [...this.messages.values()].reverse().find((x) => x.reply.select && (key === undefined || x.thread.thread === key));
    if (!m?.reply.select) throw new Error('no select menu');
    const values = choices.map((c) => m.reply.select!.options.find((opt) => opt.value === c || opt.label === c)?.value ?? c);
    return this.clickId(m.reply.select.id, { ...o, thread: o.thread ?? m.thread, message: m.ref, values });
  }

  /** Waits until the engine has handled everything and no job is queued or running. */
  async waitUntilIdle(): Promise<void> {
    await this.requireEngine().idle();
    await sleep(0);
  }

  /** Recorded replies of a thread (optionally of one type / kind). */
  replies(thread?: ThreadRef | string, filter: { type?: Recorded['type']; kind?: Reply['kind'] } = {}): Recorded[] {
    const key = thread === undefined ? undefined : typeof thread === 'string' ? thread : thread.thread;
    return this.log.filter((r) => (key === undefined || r.thread.thread === key) && (!filter.type || r.type === filter.type) && (!filter.kind || r.reply.kind === filter.kind));
  }

  /** The newest recorded reply in a thread. */
  last(thread?: ThreadRef | string, filter: { type?: Recorded['type']; kind?: Reply['kind'] } = {}): Recorded | undefined {
    return this.replies(thread, filter).at(-1);
  }

  /** Latest state of every message in the thread, in posting order. */
  threadMessages(thread?: ThreadRef | string): TestMessage[] {
    const key = thread === undefined ? undefined : typeof thread === 'string' ? thread : thread.thread;
    return [...this.messages.values()].filter((m) => key === undefined || m.thread.thread === key);
  }

  /** The engine behind this adapter can be swapped (restart tests); it reports what a previous one left. */
  attach(engine: EngineLike): TestAdapter {
    this.engine = engine;
    engine.attach(this);
    void engine.recover(this.platform);
    return this;
  }

  private requireEngine(): EngineLike {
    if (!this.engine) throw new Error('TestAdapter has no engine: pass one to the constructor or attach()');
    return this.engine;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
