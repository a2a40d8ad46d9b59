import crypto from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { ReadStream } from 'node:fs';
import type * as lark from '@larksuiteoapi/node-sdk';
import { LRUCache } from 'lru-cache';
import pRetry, { AbortError } from 'p-retry';
import type { ChatAdapter, ImageRef, MessageRef, Reply, ReplyContext, ThreadRef, UserRef } from '../../engine/types.js';
import { UserFacingError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { renderCard, renderEphemeralCard } from './card.js';
import { ChatQueues, WindowLimiter, type SendLimiter } from './chat-queue.js';
import { parseReceiveEvent } from './parse.js';

/** im.image.create refuses images over 10 MB. */
export const FEISHU_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** The message-resource API serves up to 100 MB; photos far beyond the upload limit are refused early. */
const DOWNLOAD_LIMIT = 50 * 1024 * 1024;

/** Feishu codes meaning "the message you reply to is gone": post into the chat instead. */
const REPLY_TARGET_GONE = new Set([230011, 231003, 230002]);

interface OpenApiBody {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
}

function errorCode(err: unknown): number | undefined {
  const body = (err as { response?: { data?: OpenApiBody } })?.response?.data;
  return typeof body?.code === 'number' ? body.code : undefined;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { response?: { status?: number } })?.response?.status;
}

/** Feishu's rate-limit codes: the API's (99991400) and the group's 5 messages per second (230020). */
const RATE_LIMITED = new Set([99991400, 230020]);

/** Network errors, 429, 5xx and Feishu's rate-limit codes are worth a retry; anything else is not. */
function isTransient(err: unknown): boolean {
  if (err instanceof FeishuApiError) return err.code !== undefined && RATE_LIMITED.has(err.code);
  if (err instanceof UserFacingError) return false;
  const status = httpStatus(err);
  if (status === undefined) return true;
  const code = errorCode(err);
  return status === 429 || status >= 500 || (code !== undefined && RATE_LIMITED.has(code));
}

/**
 * The reply context of a Feishu message event: the message that addressed the bot, which the answer
 * quotes (the session's thread is its chain's root, often the photo posted before it).
 */
export interface FeishuReplyContext {
  feishu: { replyTo: string };
}

function replyTarget(ctx: ReplyContext | undefined): string | undefined {
  const target = (ctx as FeishuReplyContext | undefined)?.feishu?.replyTo;
  return typeof target === 'string' && FEISHU_MESSAGE_ID.test(target) ? target : undefined;
}

export class FeishuApiError extends Error {
  constructor(
    readonly operation: string,
    readonly code: number | undefined,
    msg: string | undefined,
  ) {
    super(`feishu ${operation} failed: code=${code ?? 'none'} ${msg ?? ''}`.trim());
    this.name = 'FeishuApiError';
  }
}

function checked(operation: string, body: OpenApiBody | null | undefined): Record<string, unknown> {
  if (!body || (body.code !== undefined && body.code !== 0)) throw new FeishuApiError(operation, body?.code, body?.msg);
  return body.data ?? {};
}

/**
 * Shapes of the ids that reach Open API paths, as documented: image_key "img_v3_…" / "img_8d51…g",
 * file_key "file_v2_…", message_id "om_dc13…". Event content is not trusted to have them.
 */
export const FEISHU_RESOURCE_KEY = /^(?:img|file)_[A-Za-z0-9_-]{1,200}$/;
export const FEISHU_MESSAGE_ID = /^om_[A-Za-z0-9_-]{1,200}$/;

/**
 * One Open API path segment. The SDK pastes path parameters into the URL as they are, so a value
 * like "../../auth/v3/x" would reach another endpoint with our tenant token: every value is encoded,
 * and the dot segments (which URL parsers resolve even when encoded) are refused.
 */
export function pathSegment(value: string, operation: string): string {
  if (!value || /^(?:\.|%2e){1,2}$/i.test(value)) throw new FeishuApiError(operation, undefined, 'refusing an empty or dot path segment');
  return encodeURIComponent(value);
}

/** A message id for an Open API path: it must have the documented shape (event content is not trusted). */
function messageIdSegment(messageId: string, operation: string): string {
  if (!FEISHU_MESSAGE_ID.test(messageId)) throw new FeishuApiError(operation, undefined, 'refusing a message id of unexpected shape');
  return pathSegment(messageId, operation);
}

/**
 * Feishu rejects an image part without a filename (234001), and the SDK's form encoder gives a bare
 * Buffer none; a stream with a `name` gets one. A fresh stream per attempt: a retry re-reads it.
 */
function namedStream(data: Buffer, filename: string): ReadStream {
  const stream = new PassThrough();
  stream.end(data);
  return Object.assign(stream, { name: filename || 'image.png' }) as unknown as ReadStream;
}

async function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > limit) {
      stream.destroy();
      throw new UserFacingError('feishu.image_too_large', { limit: `${Math.round(limit / 1024 / 1024)} MB` });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * The engine's ChatAdapter for Feishu/Lark. Replies are cards (so any reply can later be patched
 * with progress or the result), posted as replies in the user's reply chain. Translation only.
 */
export class FeishuAdapter implements ChatAdapter {
  readonly platform = 'feishu' as const;
  private readonly queues: ChatQueues;
  /** sha256 of image bytes → image_key: progress patches re-send the same picture. */
  private readonly imageKeys = new LRUCache<string, string>({ max: 256 });
  /** Message id of a card we sent → its thread, so a click can name its session without a lookup. */
  private readonly messageThreads = new LRUCache<string, ThreadRef>({ max: 10_000 });
  /** p2p or group, as the chat's messages said; ephemeral cards exist in groups only. */
  private readonly chatTypes = new LRUCache<string, string>({ max: 10_000 });
  /** Threads that live in a topic group: replies go into the topic. */
  private readonly topicThreads = new LRUCache<string, true>({ max: 10_000 });
  /** Latest card waiting for its patch, per message: older progress states are skipped. */
  private readonly pendingPatches = new Map<string, { card: Record<string, unknown>; done: Promise<void> }>();

  constructor(
    private readonly client: lark.Client,
    private readonly logger: Logger,
    private readonly opts: { limiter?: SendLimiter; appId?: string } = {},
  ) {
    this.queues = new ChatQueues(opts.limiter ?? new WindowLimiter());
  }

  close(): Promise<void> {
    return this.queues.close();
  }

  uploadLimit(): number {
    return FEISHU_UPLOAD_LIMIT;
  }

  rememberTopic(thread: string): void {
    this.topicThreads.set(thread, true);
  }

  rememberThread(messageId: string, thread: ThreadRef): void {
    this.messageThreads.set(messageId, thread);
  }

  async send(thread: ThreadRef, reply: Reply, ctx?: ReplyContext): Promise<MessageRef> {
    const card = renderCard(reply, await this.uploadImages(reply));
    const content = JSON.stringify(card);
    // One uuid for every attempt: Feishu drops a repeated uuid, so a retry never posts twice.
    const uuid = crypto.randomUUID();
    // The answer quotes the message that asked (an @-mention replying to a photo), else the thread's root.
    const target = replyTarget(ctx) ?? thread.thread;
    const messageId = await this.queues.run(thread.channel, () =>
      // Every attempt is a send in the group's window (a refused one counted too).
      this.withRetry('reply', () => this.queues.paced(thread.channel, async () => {
        try {
          const body = (await this.client.im.message.reply({
            path: { message_id: messageIdSegment(target, 'reply') },
            data: { msg_type: 'interactive', content, reply_in_thread: this.topicThreads.get(thread.thread) ?? false, uuid },
          })) as OpenApiBody;
          return String(checked('reply', body).message_id ?? '');
        } catch (err) {
          const code = err instanceof FeishuApiError ? err.code : errorCode(err);
          if (code === undefined || !REPLY_TARGET_GONE.has(code)) throw err;
          this.logger.info({ code }, 'feishu reply target gone; posting into the chat instead');
          const body = (await this.client.im.message.create({
            params: { receive_id_type: 'chat_id' },
            data: { receive_id: thread.channel, msg_type: 'interactive', content, uuid },
          })) as OpenApiBody;
          return String(checked('create', body).message_id ?? '');
        }
      })),
    );
    if (!messageId) throw new FeishuApiError('reply', undefined, 'no message_id in the answer');
    this.messageThreads.set(messageId, thread);
    return { platform: 'feishu', channel: thread.channel, thread: thread.thread, id: messageId };
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    const card = renderCard(reply, await this.uploadImages(reply));
    const pending = this.pendingPatches.get(message.id);
    if (pending) {
      pending.card = card;
      return pending.done;
    }
    const entry: { card: Record<string, unknown>; done: Promise<void> } = { card, done: Promise.resolve() };
    this.pendingPatches.set(message.id, entry);
    entry.done = this.queues.run(message.channel, async () => {
      this.pendingPatches.delete(message.id);
      await this.withRetry('patch', async () => {
        const body = (await this.client.im.message.patch({
          path: { message_id: messageIdSegment(message.id, 'patch') },
          data: { content: JSON.stringify(entry.card) },
        })) as OpenApiBody;
        checked('patch', body);
      });
    });
    return entry.done;
  }

  /**
   * "Only visible to you" cards exist in ordinary groups only (not in direct chats, where a reply is
   * private anyway, nor in topic groups) and take card JSON 1.0: text only. Elsewhere, or when
   * Feishu refuses, the reply goes into the chain like any other.
   */
  async sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
    const plainReply = !reply.images?.length && !reply.buttons?.length && !reply.select;
    if (this.chatTypes.get(thread.channel) === 'group' && !this.topicThreads.get(thread.thread) && plainReply && user.id) {
      try {
        await this.queues.run(thread.channel, () => this.queues.paced(thread.channel, async () => {
          const body = (await this.client.request({
            method: 'POST',
            url: '/open-apis/ephemeral/v1/send',
            data: { chat_id: thread.channel, open_id: user.id, msg_type: 'interactive', card: renderEphemeralCard(reply) },
          })) as OpenApiBody;
          checked('ephemeral', body);
        }));
        return;
      } catch (err) {
        this.logger.info({ code: errorCode(err) ?? (err as FeishuApiError).code }, 'feishu ephemeral card refused; replying in the chain');
      }
    }
    await this.send(thread, reply, ctx);
  }

  rememberChatType(chatId: string, chatType: string): void {
    this.chatTypes.set(chatId, chatType);
  }

  /** An image of a received message: its key, downloaded through the message it came in. */
  download(image: ImageRef): Promise<Buffer> {
    const messageId = image.meta?.messageId;
    if (!messageId) return Promise.reject(new UserFacingError('feishu.image_unavailable'));
    return this.downloadImage(messageId, image.id);
  }

  /** Downloads an image of a received message (message-resource API, type=image). */
  async downloadImage(messageId: string, imageKey: string): Promise<Buffer> {
    if (!FEISHU_MESSAGE_ID.test(messageId) || !FEISHU_RESOURCE_KEY.test(imageKey)) {
      this.logger.warn({ messageId: messageId.slice(0, 80), imageKey: imageKey.slice(0, 80) }, 'feishu image key or message id of unexpected shape; not downloading');
      throw new UserFacingError('feishu.image_unavailable');
    }
    let resource: Awaited<ReturnType<lark.Client['im']['messageResource']['get']>>;
    try {
      resource = await this.client.im.messageResource.get({
        path: { message_id: pathSegment(messageId, 'download'), file_key: pathSegment(imageKey, 'download') },
        params: { type: 'image' },
      });
    } catch (err) {
      this.logger.warn({ code: errorCode(err), status: httpStatus(err) }, 'feishu image download failed');
      throw new UserFacingError('feishu.image_unavailable', {}, { cause: err });
    }
    return readLimited(resource.getReadableStream(), DOWNLOAD_LIMIT);
  }

  /**
   * The image keys of a message (an image, or a rich-text post with pictures): a user who replies to
   * a photo with "@bot …" means that photo. Empty when it has none or cannot be read.
   */
  async imagesOfMessage(messageId: string): Promise<string[]> {
    try {
      const body = (await this.client.im.message.get({ path: { message_id: messageIdSegment(messageId, 'get') } })) as OpenApiBody;
      const items = checked('get', body).items;
      const item = Array.isArray(items) ? (items[0] as { msg_type?: string; body?: { content?: string } } | undefined) : undefined;
      if (!item?.body?.content) return [];
      const parsed = parseReceiveEvent(
        { message: { message_id: messageId, chat_id: '-', message_type: item.msg_type, content: item.body.content } },
        {},
      );
      return parsed?.imageKeys ?? [];
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'feishu parent message lookup failed');
      return [];
    }
  }

  /**
   * Whether a message is one of the bot's own (a user replying to it addresses the bot): known for
   * the cards sent from this process, otherwise asked of Feishu (sender_type "app", this app's id).
   */
  async isOwnMessage(messageId: string): Promise<boolean> {
    if (this.messageThreads.has(messageId)) return true;
    if (!FEISHU_MESSAGE_ID.test(messageId)) return false;
    try {
      const body = (await this.client.im.message.get({ path: { message_id: messageIdSegment(messageId, 'get') } })) as OpenApiBody;
      const items = checked('get', body).items;
      const sender = (Array.isArray(items) ? (items[0] as { sender?: { id?: string; sender_type?: string } } | undefined) : undefined)?.sender;
      return sender?.sender_type === 'app' && (!this.opts.appId || !sender.id || sender.id === this.opts.appId);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'feishu message lookup failed; not treating it as the bot\'s');
      return false;
    }
  }

  /** Which thread a message belongs to: remembered for our cards, otherwise asked of Feishu. */
  async threadOfMessage(messageId: string, chatId: string, workspace: string): Promise<ThreadRef> {
    const known = this.messageThreads.get(messageId);
    if (known) return known;
    let root = messageId;
    try {
      const body = (await this.client.im.message.get({ path: { message_id: messageIdSegment(messageId, 'get') } })) as OpenApiBody;
      const items = checked('get', body).items;
      const first = Array.isArray(items) ? (items[0] as Record<string, unknown> | undefined) : undefined;
      if (typeof first?.root_id === 'string' && first.root_id) root = first.root_id;
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'feishu message lookup failed; using the card as its own thread');
    }
    const thread: ThreadRef = { platform: 'feishu', workspace, channel: chatId, thread: root };
    this.messageThreads.set(messageId, thread);
    return thread;
  }

  private async uploadImages(reply: Reply): Promise<string[]> {
    const keys: string[] = [];
    for (const image of reply.images ?? []) {
      const hash = crypto.createHash('sha256').update(image.data).digest('hex');
      let key = this.imageKeys.get(hash);
      if (!key) {
        key = await this.withRetry('image upload', async () => {
          const data = await this.client.im.image.create({ data: { image_type: 'message', image: namedStream(image.data, image.filename) } });
          if (!data?.image_key) throw new FeishuApiError('image upload', undefined, 'no image_key in the answer');
          return data.image_key;
        });
        this.imageKeys.set(hash, key);
      }
      keys.push(key);
    }
    return keys;
  }

  private withRetry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return pRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          if (!isTransient(err)) throw new AbortError(err instanceof Error ? err : new Error(String(err)));
          throw err;
        }
      },
      {
        // A group's send limit is per second: back off past it (0.5 s, 1 s, 2 s).
        retries: 3,
        minTimeout: 500,
        maxTimeout: 2000,
        onFailedAttempt: (e) => this.logger.warn({ operation, attempt: e.attemptNumber, status: httpStatus(e) }, 'feishu call failed; retrying'),
      },
    );
  }
}
