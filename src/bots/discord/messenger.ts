import { LRUCache } from 'lru-cache';
import { Routes, type APIMessage, type APIThreadChannel, type REST, type RawFile } from 'discord.js';
import type { ThreadRef } from '../../engine/types.js';
import type { RenderedMessage } from './render.js';

/** An interaction token and how long Discord honours it (15 minutes; we stop a little earlier). */
export interface InteractionToken {
  appId: string;
  token: string;
  expiresAt: number;
}

export const TOKEN_LIFE_MS = 15 * 60 * 1000;
const TOKEN_MARGIN_MS = 30 * 1000;
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

export function interactionToken(appId: string, token: string, receivedAt = Date.now()): InteractionToken {
  return { appId, token, expiresAt: receivedAt + TOKEN_LIFE_MS - TOKEN_MARGIN_MS };
}

export function tokenLive(t: InteractionToken | undefined, now = Date.now()): t is InteractionToken {
  return t !== undefined && now < t.expiresAt;
}

/**
 * DISCORD_API_URL as @discordjs/rest wants it: the base without the version (it appends `/v10`
 * itself). Given with `/v10` (as Discord's docs write the base URL), the suffix is dropped, so the
 * bot never calls `/api/v10/v10/…`.
 */
export function discordApiBase(apiUrl: string | undefined): string | undefined {
  const raw = apiUrl?.trim();
  if (!raw) return undefined;
  return raw.replace(/\/+$/, '').replace(/\/v\d+$/i, '');
}

/** Discord refuses a bot-token edit of a message it did not author (an interaction response, say). */
export function isNotOurs(err: unknown): boolean {
  return discordCode(err) === CANNOT_EDIT_OTHERS || discordCode(err) === UNKNOWN_MESSAGE;
}

/** Discord's answer to a webhook call with an interaction token it no longer honours. */
export function isExpiredToken(err: unknown): boolean {
  const code = discordCode(err);
  const status = (err as { status?: unknown } | null)?.status;
  return code === INVALID_WEBHOOK_TOKEN || code === UNKNOWN_WEBHOOK || status === 401;
}

/**
 * What may be logged about a failed Discord call: never the request body (photos) or the URL,
 * which carries the interaction token.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; status?: unknown; method?: unknown };
  return { name: e.name, message: e.message, code: e.code, status: e.status, method: e.method };
}

/** Discord JSON error codes we react to. */
const UNKNOWN_CHANNEL = 10003;
const UNKNOWN_WEBHOOK = 10015;
const MISSING_ACCESS = 50001;
const INVALID_WEBHOOK_TOKEN = 50027;
const CANNOT_EDIT_OTHERS = 50005;
const UNKNOWN_MESSAGE = 10008;

function discordCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Every REST call the adapter makes, on one @discordjs/rest instance (which keeps Discord's
 * per-route rate-limit buckets), plus the small registries that let later events find how a
 * message can be edited: with the interaction token that created it while that is alive, else
 * with the bot token.
 */
export class DiscordMessenger {
  private readonly editable = new LRUCache<string, { token: InteractionToken; target: string }>({ max: 5000 });
  private readonly messageThreads = new LRUCache<string, ThreadRef>({ max: 5000 });
  /** Session keys known to be (true) or not to be (false) a Discord thread channel. */
  private readonly threadChannels = new LRUCache<string, boolean>({ max: 5000 });
  private readonly uploadLimits = new LRUCache<string, number>({ max: 5000 });

  constructor(
    private rest: REST,
    /** Whether `rest` carries a bot token (channel messages, threads); webhook calls need none. */
    readonly botAuth: boolean,
  ) {}

  /** Switches to another client's REST instance (the gateway client was replaced). */
  useRest(rest: REST): void {
    this.rest = rest;
  }

  rememberEditable(messageId: string, token: InteractionToken, target: string): void {
    this.editable.set(messageId, { token, target });
  }

  editableWith(messageId: string): { token: InteractionToken; target: string } | undefined {
    const e = this.editable.get(messageId);
    return e && tokenLive(e.token) ? e : undefined;
  }

  rememberThreadOf(messageId: string, thread: ThreadRef): void {
    this.messageThreads.set(messageId, thread);
  }

  threadOf(messageId: string): ThreadRef | undefined {
    return this.messageThreads.get(messageId);
  }

  markThreadChannel(id: string, isThread: boolean): void {
    this.threadChannels.set(id, isThread);
  }

  rememberUploadLimit(threadKey: string, bytes: number | undefined): void {
    if (bytes && bytes > 0) this.uploadLimits.set(threadKey, bytes);
  }

  uploadLimit(threadKey: string): number {
    return this.uploadLimits.get(threadKey) ?? DEFAULT_UPLOAD_LIMIT;
  }

  private options(m: RenderedMessage, auth: boolean): { body: unknown; files?: RawFile[]; auth: boolean } {
    return { body: m.body, ...(m.files.length ? { files: m.files } : {}), auth };
  }

  async editWebhookMessage(t: InteractionToken, target: string, m: RenderedMessage): Promise<APIMessage> {
    return (await this.rest.patch(Routes.webhookMessage(t.appId, t.token, target), this.options(m, false))) as APIMessage;
  }

  async followUp(t: InteractionToken, m: RenderedMessage): Promise<APIMessage> {
    return (await this.rest.post(Routes.webhook(t.appId, t.token), this.options(m, false))) as APIMessage;
  }

  async deleteWebhookMessage(t: InteractionToken, target: string): Promise<void> {
    await this.rest.delete(Routes.webhookMessage(t.appId, t.token, target), { auth: false });
  }

  async fetchOriginal(t: InteractionToken): Promise<APIMessage> {
    return (await this.rest.get(Routes.webhookMessage(t.appId, t.token, '@original'), { auth: false })) as APIMessage;
  }

  async createMessage(channelId: string, m: RenderedMessage): Promise<APIMessage> {
    return (await this.rest.post(Routes.channelMessages(channelId), this.options(m, true))) as APIMessage;
  }

  async editMessage(channelId: string, messageId: string, m: RenderedMessage): Promise<APIMessage> {
    return (await this.rest.patch(Routes.channelMessage(channelId, messageId), this.options(m, true))) as APIMessage;
  }

  /** Opens a public thread on a message; the thread's id equals the message id. */
  async startThread(channelId: string, messageId: string, name: string): Promise<APIThreadChannel> {
    const thread = (await this.rest.post(Routes.threads(channelId, messageId), {
      body: { name, auto_archive_duration: 1440 },
    })) as APIThreadChannel;
    this.markThreadChannel(thread.id, true);
    return thread;
  }

  /**
   * Posts into the session's thread channel when there is one, else into its channel. A session key
   * that is a message id without a thread (DMs, missing permission) answers Unknown Channel once and
   * is remembered as such.
   */
  async postInThread(thread: ThreadRef, m: RenderedMessage): Promise<APIMessage> {
    const candidate = thread.thread !== thread.channel ? thread.thread : undefined;
    if (candidate && this.threadChannels.get(candidate) !== false) {
      try {
        const msg = await this.createMessage(candidate, m);
        this.markThreadChannel(candidate, true);
        return msg;
      } catch (err) {
        const code = discordCode(err);
        if (code !== UNKNOWN_CHANNEL && code !== MISSING_ACCESS) throw err;
        this.markThreadChannel(candidate, false);
      }
    }
    return this.createMessage(thread.channel, m);
  }
}
