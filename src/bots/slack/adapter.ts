import type { webApi } from '@slack/bolt';
import type { ChatAdapter, ImageRef, MessageRef, Reply, ReplyImage, ThreadRef, UserRef } from '../../engine/types.js';
import { UserFacingError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { renderReply } from './blocks.js';
import { downloadSlackFile, MAX_DOWNLOAD_BYTES } from './files.js';

/** Message metadata type marking the bot's replies with the engine's idempotency key (Reply.key). */
const REPLY_METADATA = 'cie_reply';

/** Slack accepts files up to 1 GB; a practical cap keeps uploads quick and memory bounded. */
export const SLACK_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

/**
 * Renders engine replies into a Slack thread: Block Kit cards via chat.postMessage / chat.update,
 * images via files.uploadV2 into the same thread, one-user messages via chat.postEphemeral.
 */
export class SlackChatAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    /** The bot token (file downloads need it) and hosts trusted besides Slack's (a loopback API base in tests). */
    private readonly files: { token: string; extraHosts: readonly string[]; maxBytes?: number },
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
    await this.uploadImages(thread.channel, thread.thread, reply.images);
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
    return { platform: 'slack', channel: String(res.channel ?? thread.channel), thread: thread.thread, id: String(res.ts) };
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
    // A Slack message cannot gain files by editing: new images go into the thread, the card is edited.
    await this.uploadImages(message.channel, message.thread, reply.images);
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

  private async uploadImages(channel: string, threadTs: string, images: ReplyImage[] | undefined): Promise<void> {
    for (const image of images ?? []) {
      try {
        await this.client.filesUploadV2({
          channel_id: channel,
          thread_ts: threadTs,
          file: image.data,
          filename: image.filename,
          title: image.filename,
          alt_text: image.alt.slice(0, 1000),
        });
      } catch (err) {
        this.logger.warn({ err: errorSummary(err), filename: image.filename }, 'slack upload failed');
        throw new UserFacingError('slack.upload_failed', {}, { cause: err });
      }
    }
  }
}

function imageFallback(reply: Reply): string {
  return reply.images?.map((i) => i.alt).join(' ') || ' ';
}

/** Web API errors carry the response; keep only what helps (never headers, which may echo tokens). */
function errorSummary(err: unknown): Record<string, unknown> {
  const e = err as { code?: string; data?: { error?: string }; message?: string };
  return { code: e.code, error: e.data?.error, message: e.message };
}
