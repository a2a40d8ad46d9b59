import type { Locale } from '../i18n/index.js';

/**
 * The neutral conversation model shared by every platform (vercel/chat style): adapters translate
 * platform events into these types and render `Reply` back; all decisions live in the engine.
 */
export type Platform = 'discord' | 'slack' | 'feishu' | 'web' | 'test';

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

/** An attachment that is downloaded only when the engine needs its bytes. */
export interface ImageRef {
  /** Stable platform id of the file (for dedupe and logs). */
  id: string;
  name?: string;
  mimeType?: string;
  /** Size in bytes when the platform reports it (checked before download). */
  size?: number;
  fetch(signal?: AbortSignal): Promise<Buffer>;
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
  locale: Locale;
  /**
   * What the reply is for (added by the engine; optional for adapters): `ack` is the instant
   * "looking at your photo" note, `proposal` carries command buttons, `progress` a job's queue/run
   * state, `result` an edited photo, `info` any other answer, `error` a failure the user can act on.
   */
  kind?: ReplyKind;
}

export type ReplyKind = 'ack' | 'proposal' | 'progress' | 'result' | 'info' | 'error';

export interface MessageRef {
  platform: Platform;
  channel: string;
  thread: string;
  /** Platform message id (Discord message id / interaction token, Slack ts, Feishu message_id…). */
  id: string;
}

/** Everything a platform adapter offers the engine. Adapters translate; they never decide. */
export interface ChatAdapter {
  readonly platform: Platform;
  /** Posts a reply in the thread; returns a ref that `update` can edit later. */
  send(thread: ThreadRef, reply: Reply): Promise<MessageRef>;
  /** Edits a message in place (progress, final result). Images may be re-uploaded. */
  update(message: MessageRef, reply: Reply): Promise<void>;
  /** Shows a reply to one user only; falls back to `send` where the platform has no ephemeral messages. */
  sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void>;
  /** Largest upload the platform accepts in this thread, in bytes. */
  uploadLimit(thread: ThreadRef): number;
}

/** What adapters call. The engine acknowledges nothing itself: adapters ack the platform first. */
export interface EngineApi {
  /** A message (photo and/or text) in a thread; the engine answers through `adapter`. */
  handleMessage(message: IncomingMessage, adapter: ChatAdapter): Promise<void>;
  /** A slash command or context-menu command. */
  handleCommand(invocation: CommandInvocation, adapter: ChatAdapter): Promise<void>;
  /** A button click or select choice. */
  handleAction(action: ActionEvent, adapter: ChatAdapter): Promise<void>;
  /**
   * Whether the engine is already editing in this thread (Slack/Feishu follow-ups without a mention).
   * Optional `user`: answer only for someone who may steer the thread (the owner by default).
   */
  isActiveThread(thread: ThreadRef, user?: UserRef): Promise<boolean>;
  /**
   * Optional: a bot calls this once it can send, so the engine can report jobs a previous process
   * left unfinished on that platform (they are also reported on the platform's first event).
   */
  registerAdapter?(adapter: ChatAdapter): Promise<void>;
}
