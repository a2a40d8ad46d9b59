import crypto from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { ChatAdapter, ImageRef, MessageRef, Reply, ReplyImage, ThreadRef, UserRef } from '../../engine/types.js';
import { UserFacingError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { escapeMrkdwn, renderReply } from './blocks.js';
import { downloadSlackFile, MAX_DOWNLOAD_BYTES } from './files.js';

/** Message metadata type marking the bot's replies with the engine's idempotency key (Reply.key). */
const REPLY_METADATA = 'cie_reply';

/** Slack accepts files up to 1 GB; a practical cap keeps uploads quick and memory bounded. */
export const SLACK_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

/** How long to wait for Slack to share a completed upload (it does so asynchronously), in ms between looks. */
const SHARE_CHECKS_MS = [0, 300, 700, 1500, 2500];

/** The `shares` of a Slack file object: channel id → the messages that carry it. */
type Shares = Record<string, Record<string, { ts?: string; thread_ts?: string }[]>>;

/** Whether a file's shares include the thread (a reply in it, or its root message). */
export function sharedInThread(shares: Shares | undefined, channel: string, threadTs: string): boolean {
  for (const kind of Object.values(shares ?? {})) {
    for (const share of kind[channel] ?? []) if (share.thread_ts === threadTs || share.ts === threadTs) return true;
  }
  return false;
}

/**
 * Renders engine replies into a Slack thread: Block Kit cards via chat.postMessage / chat.update,
 * images as files shared into the same thread (a Slack message cannot gain a file by editing, so
 * an image is a message of its own), one-user messages via chat.postEphemeral.
 */
export class SlackChatAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  readonly imagesAsMessages = true;
  /** Images already shared for a card (by its ts), so an edit does not post the same picture twice. */
  private readonly posted = new LRUCache<string, Set<string>>({ max: 5000 });

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    /** The bot token (file downloads need it) and hosts trusted besides Slack's (a loopback API base in tests). */
    private readonly files: { token: string; extraHosts: readonly string[]; maxBytes?: number; shareChecksMs?: readonly number[] },
  ) {}

  async download(image: ImageRef, signal?: AbortSignal): Promise<Buffer> {
    const maxBytes = this.files.maxBytes ?? MAX_DOWNLOAD_BYTES;
    if (!image.url) throw new UserFacingError('slack.file_unavailable');
    if (image.size !== undefined && image.size > maxBytes) {
      throw new UserFacingError('slack.file_too_large', { size: (image.size / 1048576).toFixed(1), limit: (maxBytes / 1048576).toFixed(1) });
    }
    return downloadSlackFile(image.url, { token: this.files.token, extraHosts: this.files.extraHosts, maxBytes, signal });
  }

  async send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    const shared = await this.uploadImages(thread.channel, thread.thread, reply.keepImages ? undefined : reply.images);
    const { text, blocks } = renderReply(reply);
    const res = await this.client.chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.thread,
      text: text.trim() ? text : imageFallback(reply),
      // Slack refuses an empty blocks list on a new message; text alone is a valid message.
      ...(blocks.length ? { blocks } : {}),
      unfurl_links: false,
      unfurl_media: false,
      // Lets findSent recognise this post after a restart (its answer may never have reached us).
      ...(reply.key ? { metadata: { event_type: REPLY_METADATA, event_payload: { key: reply.key } } } : {}),
    });
    const ts = String(res.ts);
    if (shared.length) this.posted.set(ts, new Set(shared));
    return { platform: 'slack', channel: String(res.channel ?? thread.channel), thread: thread.thread, id: ts };
  }

  /** The bot's post in the thread that carries `key` in its metadata (conversations.replies, *:history scopes). */
  async findSent(thread: ThreadRef, key: string): Promise<MessageRef | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await this.client.conversations.replies({ channel: thread.channel, ts: thread.thread, include_all_metadata: true, limit: 200, cursor });
      const hit = (res.messages ?? []).find((m) => {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: { key?: unknown } } }).metadata;
        return meta?.event_type === REPLY_METADATA && meta.event_payload?.key === key;
      });
      if (hit?.ts) return { platform: 'slack', channel: thread.channel, thread: thread.thread, id: hit.ts };
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    // A Slack message cannot gain files by editing: new images are shared into the thread first
    // (so "done" never shows without its photo), then the card is edited.
    const already = this.posted.get(message.id) ?? new Set<string>();
    const fresh = reply.keepImages ? [] : (reply.images ?? []).filter((i) => !already.has(hashOf(i)));
    const shared = await this.uploadImages(message.channel, message.thread, fresh);
    if (shared.length) this.posted.set(message.id, new Set([...already, ...shared]));
    const { text, blocks } = renderReply(reply);
    await this.client.chat.update({ channel: message.channel, ts: message.id, text: text.trim() ? text : imageFallback(reply), blocks });
  }

  async sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void> {
    // Ephemeral messages cannot carry files; errors aimed at one user do not need them.
    const { text, blocks } = renderReply(reply);
    await this.client.chat.postEphemeral({ channel: thread.channel, user: user.id, thread_ts: thread.thread, text, ...(blocks.length ? { blocks } : {}) });
  }

  uploadLimit(_thread: ThreadRef): number {
    return SLACK_UPLOAD_LIMIT_BYTES;
  }

  /** Shares each image into the thread and checks it arrived; returns their hashes. */
  private async uploadImages(channel: string, threadTs: string, images: ReplyImage[] | undefined): Promise<string[]> {
    const hashes: string[] = [];
    for (const image of images ?? []) {
      let shared = false;
      // A completed upload is not always a shared one: try once more before telling the user.
      for (let attempt = 1; attempt <= 2 && !shared; attempt++) shared = await this.uploadOnce(channel, threadTs, image, attempt);
      if (!shared) throw new UserFacingError('slack.upload_failed');
      hashes.push(hashOf(image));
    }
    return hashes;
  }

  /**
   * One external upload (files.uploadV2: getUploadURLExternal, the bytes, completeUploadExternal).
   * No alt text on getUploadURLExternal: Slack documents `alt_txt` while the SDK sends `alt_text`,
   * and alt text there has been reported to leave a completed file unshared. The description goes
   * into the file message's text instead. `completeUploadExternal` answers `ok` before the file is
   * shared, so the file's `shares` (files.info) must name the thread before it counts as delivered.
   */
  private async uploadOnce(channel: string, threadTs: string, image: ReplyImage, attempt: number): Promise<boolean> {
    let fileId: string | undefined;
    try {
      const res = (await this.client.filesUploadV2({
        channel_id: channel,
        thread_ts: threadTs,
        file: image.data,
        filename: image.filename,
        title: image.filename,
        initial_comment: escapeMrkdwn(image.alt.slice(0, 1000)),
      })) as { files?: { files?: { id?: string; shares?: Shares }[] }[] };
      const file = res.files?.[0]?.files?.[0];
      fileId = file?.id;
      if (file && sharedInThread(file.shares, channel, threadTs)) return true;
    } catch (err) {
      this.logger.warn({ err: errorSummary(err), filename: image.filename, attempt }, 'slack upload failed');
      throw new UserFacingError('slack.upload_failed', {}, { cause: err });
    }
    if (!fileId) return false;
    for (const wait of this.files.shareChecksMs ?? SHARE_CHECKS_MS) {
      if (wait) await new Promise((r) => setTimeout(r, wait));
      try {
        const info = (await this.client.files.info({ file: fileId })) as { file?: { shares?: Shares } };
        if (sharedInThread(info.file?.shares, channel, threadTs)) return true;
      } catch (err) {
        this.logger.warn({ err: errorSummary(err), file: fileId }, 'slack files.info failed while checking an upload');
      }
    }
    this.logger.warn({ file: fileId, filename: image.filename, attempt }, 'slack completed the upload but did not share it into the thread');
    return false;
  }
}

function hashOf(image: ReplyImage): string {
  return crypto.createHash('sha256').update(image.data).digest('hex');
}

function imageFallback(reply: Reply): string {
  return escapeMrkdwn(reply.images?.map((i) => i.alt).join(' ') ?? '') || ' ';
}

/** Web API errors carry the response; keep only what helps (never headers, which may echo tokens). */
function errorSummary(err: unknown): Record<string, unknown> {
  const e = err as { code?: string; data?: { error?: string }; message?: string };
  return { code: e.code, error: e.data?.error, message: e.message };
}
