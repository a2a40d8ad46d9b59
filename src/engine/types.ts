import type { Locale } from '../i18n/index.js';

/**
 * The neutral conversation model shared by every platform (vercel/chat style): adapters translate
 * platform events into these types and render `Reply` back; all decisions live in the engine.
 */
export type Platform = 'discord' | 'slack' | 'feishu' | 'web';

/** Where a conversation happens. `thread` is the root message / thread id that groups a session. */
export interface ThreadRef {
  platform: Platform;
  /** Discord guild, Slack team, Feishu tenant; "" where the platform has none. */
  workspace: string;
  channel: string;
  thread: string;
}

export interface UserRef {
  id: string;
  name?: string;
}

/**
 * An attachment, as plain data: the engine asks the platform's adapter for its bytes
 * (`ChatAdapter.download`) only when it needs them, so an event can be stored and resumed.
 */
export interface ImageRef {
  /** Stable platform id of the file (for dedupe and logs). */
  id: string;
  name?: string;
  mimeType?: string;
  /** Size in bytes when the platform reports it (checked before download). */
  size?: number;
  /** Where the adapter downloads it from, when the platform gives a URL. */
  url?: string;
  /** Anything else the adapter needs to download it (Feishu: the message id). */
  meta?: Record<string, string>;
}

export interface IncomingMessage {
  platform: Platform;
  /** Platform event id, used to drop re-deliveries. */
  eventId: string;
  thread: ThreadRef;
  user: UserRef;
  /** Platform locale of the user when known ("zh-CN", "en-US"…). */
  locale?: string;
  /** The instruction with bot mentions removed. */
  text: string;
  images: ImageRef[];
  /** Non-image attachments (names only), so the engine can say why they were ignored. */
  otherFiles?: string[];
  /**
   * Points the user clicked on the current photo, as fractions of its width and height (0..1, so any
   * displayed size works): the parts under them are the target of the instruction.
   */
  points?: { x: number; y: number }[];
  receivedAt?: number;
}

/** A click on a button or a choice in a select, carrying the short id the engine put in the Reply. */
export interface ActionEvent {
  platform: Platform;
  eventId: string;
  thread: ThreadRef;
  user: UserRef;
  locale?: string;
  /** The action id from `Button.id` / `SelectMenu.id` (≤ 64 chars, unguessable). */
  actionId: string;
  /** Selected option values for a select menu. */
  values?: string[];
  /** The message the control was on, so the engine can edit it in place. */
  message?: MessageRef;
}

/** A slash command / context-menu invocation with explicit arguments. */
export interface CommandInvocation extends IncomingMessage {
  name: 'edit' | 'suggest' | 'settings' | 'status' | 'undo' | 'help';
  options?: Record<string, string | number | boolean>;
}

export interface Button {
  /** Engine action id; adapters put it into custom_id / action_id / value unchanged. */
  id: string;
  label: string;
  style?: 'primary' | 'secondary' | 'danger' | 'success';
  /**
   * Shown but not clickable: the action a click chose, kept on the message that now carries its
   * job. Platforms without disabled buttons (Slack) show it as text.
   */
  disabled?: boolean;
}

export interface SelectOption {
  value: string;
  label: string;
  description?: string;
}

export interface SelectMenu {
  id: string;
  placeholder: string;
  options: SelectOption[];
  minValues: number;
  maxValues: number;
}

export interface ReplyImage {
  data: Buffer;
  filename: string;
  mimeType: 'image/png' | 'image/jpeg' | 'image/webp';
  alt: string;
  width?: number;
  height?: number;
}

export interface Progress {
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** 1-based position in the queue while queued. */
  position?: number;
  /** 0..1 while running, when the backend reports it. */
  fraction?: number;
}

/**
 * What the engine wants shown. Adapters render it natively: Discord components, Slack Block Kit,
 * Feishu card 2.0, the playground's HTML.
 */
export interface Reply {
  text: string;
  /** Optional secondary lines (parts list, reasons), rendered smaller where the platform can. */
  fields?: { label: string; value: string }[];
  images?: ReplyImage[];
  /** Rows of buttons (≤ 5 per row, ≤ 5 rows on Discord: the engine keeps within that). */
  buttons?: Button[][];
  select?: SelectMenu;
  progress?: Progress;
  /** Shown only to `to` where the platform supports it (errors aimed at one user). */
  ephemeral?: boolean;
  /**
   * An edit that changes text and buttons only: the images the message already shows stay (no
   * upload). `images` is ignored then.
   */
  keepImages?: boolean;
  locale: Locale;
  /**
   * What the reply is for (added by the engine; optional for adapters): `ack` is the instant
   * "looking at your photo" note, `proposal` carries command buttons, `progress` a job's queue/run
   * state, `result` an edited photo, `info` any other answer, `error` a failure the user can act on.
   */
  kind?: ReplyKind;
  /**
   * Idempotency key of this reply (added by the engine): adapters that can attach it to the posted
   * message (Slack message metadata, the playground's thread) find it again with `findSent`, so an
   * event resumed after a crash does not post the same answer twice.
   */
  key?: string;
}

export type ReplyKind = 'ack' | 'proposal' | 'progress' | 'result' | 'info' | 'error';

export interface MessageRef {
  platform: Platform;
  channel: string;
  thread: string;
  /** Platform message id (Discord message id / interaction token, Slack ts, Feishu message_id…). */
  id: string;
}

/**
 * Per-event state a platform needs to answer that event (Discord: the interaction token and its
 * deferred reply). Plain JSON, opaque to the engine: it travels with the event and with the jobs
 * the event starts, and is handed back to the adapter on every reply.
 */
export type ReplyContext = Readonly<Record<string, unknown>>;

/** Everything a platform adapter offers the engine. Adapters translate; they never decide. */
export interface ChatAdapter {
  readonly platform: Platform;
  /** Posts a reply in the thread; returns a ref that `update` can edit later. */
  send(thread: ThreadRef, reply: Reply, ctx?: ReplyContext): Promise<MessageRef>;
  /** Edits a message in place (progress, final result). Images may be re-uploaded. */
  update(message: MessageRef, reply: Reply, ctx?: ReplyContext): Promise<void>;
  /** Shows a reply to one user only; falls back to `send` where the platform has no ephemeral messages. */
  sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply, ctx?: ReplyContext): Promise<void>;
  /** Largest upload the platform accepts in this thread, in bytes. */
  uploadLimit(thread: ThreadRef, ctx?: ReplyContext): number;
  /** The bytes of an attachment of an event this adapter's bot delivered. */
  download(image: ImageRef, signal?: AbortSignal): Promise<Buffer>;
  /** The engine has finished with an event (Discord removes a "thinking…" placeholder nobody filled). */
  settle?(ctx: ReplyContext): Promise<void>;
  /**
   * The message sent earlier in `thread` with `Reply.key` = `key`, if any. The engine asks when it
   * resumes an event whose last post may have reached the platform before the process died.
   * Adapters without it get at-least-once for that one post.
   */
  findSent?(thread: ThreadRef, key: string, ctx?: ReplyContext): Promise<MessageRef | undefined>;
  /**
   * Images become messages of their own on this platform (Slack files): the engine then leaves out
   * the images a reply can do without (the parts overlay), so a request stays within two messages.
   */
  readonly imagesAsMessages?: boolean;
  /**
   * When the replies to this event stop being deliverable (Discord without a bot token: the
   * interaction token's 15 minutes), as epoch ms; undefined when the adapter can always answer.
   */
  replyDeadline?(ctx?: ReplyContext): number | undefined;
}

/** Thrown by an adapter when an event's reply context can no longer deliver anything (an expired token). */
export class ReplyExpiredError extends Error {
  constructor(message = 'the reply context expired') {
    super(message);
    this.name = 'ReplyExpiredError';
  }
}

/** One inbound event, as every bot hands it to the engine. */
export type InboundEvent =
  | { kind: 'message'; message: IncomingMessage }
  | { kind: 'command'; command: CommandInvocation }
  | { kind: 'action'; action: ActionEvent };

/**
 * The one way into the engine. Bots get `Engine.accept`: it resolves once the event is stored in
 * the durable inbox (or known already: a re-delivery, dropped here and nowhere else), and only then
 * may the bot acknowledge the platform; handling goes on in the engine, tracked for shutdown. It
 * rejects when the event could not be stored (store closed at shutdown, store down): then the bot
 * must not acknowledge, so the platform delivers it again. `Engine.deliver` (tests, in-process
 * callers) resolves when the event has been handled (answers sent; jobs it started may still run).
 */
export type Deliver = (event: InboundEvent, ctx?: ReplyContext) => Promise<void>;

/** What bots may ask the engine besides delivering events. */
export interface ThreadQuery {
  /**
   * Whether the engine is already editing in this thread (Slack/Feishu/Discord follow-ups without
   * a mention). With `user`, only when that user may steer it (the owner by default).
   */
  isActive(thread: ThreadRef, user?: UserRef): Promise<boolean>;
}

/** The event's identity in logs and dedupe. */
export function eventOf(event: InboundEvent): IncomingMessage | ActionEvent {
  return event.kind === 'message' ? event.message : event.kind === 'command' ? event.command : event.action;
}
