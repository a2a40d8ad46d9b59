import { LRUCache } from 'lru-cache';
import type { APIMessage } from 'discord.js';
import type { ChatAdapter, ImageRef, MessageRef, Reply, ReplyContext, ThreadRef, UserRef } from '../../engine/types.js';
import { getLogger } from '../../util/logger.js';
import { downloadAttachment } from './attachments.js';
import { loggableError, tokenLive, type DiscordMessenger, type InteractionToken } from './messenger.js';
import { renderReply } from './render.js';

/**
 * The reply context of an interaction: what Discord needs to answer it. Plain JSON (it is stored
 * with the jobs the interaction starts).
 */
export interface InteractionContext {
  interaction: {
    id: string;
    token: InteractionToken;
    userId: string;
    /** A deferred reply ("thinking…") that the first reply must fill. */
    deferred: boolean;
    /** Whether that deferred reply is visible to the caller only. */
    deferredEphemeral: boolean;
    /** The deferred reply's message id, when Discord reported it. */
    originalId?: string;
    /** Open a public thread on the original reply once it is filled (guild text channels, bot token). */
    threadOnFill?: { channelId: string; name: string };
  };
}

export function interactionContext(c: InteractionContext['interaction']): ReplyContext {
  return { interaction: c } satisfies InteractionContext;
}

function interactionOf(ctx: ReplyContext | undefined): InteractionContext['interaction'] | undefined {
  return (ctx as InteractionContext | undefined)?.interaction;
}

/** What an interaction's replies have done so far (lives in this process only, like the 15-minute token). */
interface InteractionState {
  /** The deferred reply is still waiting to be filled. */
  pending: boolean;
  /** Settles once the deferred reply is filled (and its thread opened): later replies go after it. */
  filled: Promise<void>;
}

/**
 * Discord for the engine. Replies to an interaction fill its deferred response first, then go into
 * the session's thread (bot token) or become follow-ups (interaction token, HTTP-only mode).
 * It renders; it never decides what to say.
 */
export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord' as const;
  private readonly states = new LRUCache<string, InteractionState>({ max: 5000 });

  constructor(
    private readonly messenger: DiscordMessenger,
    private readonly files: { allowedUrl: (url: string) => boolean; maxBytes: number },
  ) {}

  uploadLimit(thread: ThreadRef): number {
    return this.messenger.uploadLimit(thread.thread);
  }

  download(image: ImageRef, signal?: AbortSignal): Promise<Buffer> {
    return downloadAttachment(image, this.files.allowedUrl, this.files.maxBytes, signal);
  }

  private state(i: InteractionContext['interaction']): InteractionState {
    let s = this.states.get(i.id);
    if (!s) {
      s = { pending: i.deferred, filled: Promise.resolve() };
      this.states.set(i.id, s);
    }
    return s;
  }

  async send(thread: ThreadRef, reply: Reply, ctx?: ReplyContext): Promise<MessageRef> {
    const i = interactionOf(ctx);
    const state = i && this.state(i);
    if (i && state && tokenLive(i.token) && state.pending) {
      state.pending = false;
      const filling = this.fillOriginal(i, thread, reply);
      state.filled = filling.then(
        () => undefined,
        () => undefined,
      );
      return filling;
    }
    await state?.filled;
    const ephemeral = Boolean(reply.ephemeral);
    const rendered = renderReply(reply, { uploadLimit: this.uploadLimit(thread), ephemeral });
    let msg: APIMessage;
    if (i && tokenLive(i.token) && (ephemeral || !this.messenger.botAuth)) {
      msg = await this.messenger.followUp(i.token, rendered);
      this.messenger.rememberEditable(msg.id, i.token, msg.id);
    } else if (this.messenger.botAuth) {
      msg = await this.messenger.postInThread(thread, { ...rendered, body: { ...rendered.body, flags: undefined } });
    } else {
      throw new Error('discord: cannot post (the interaction token expired and no bot token is configured)');
    }
    this.messenger.rememberThreadOf(msg.id, thread);
    return { platform: 'discord', channel: msg.channel_id, thread: thread.thread, id: msg.id };
  }

  /** The first reply to a command fills its deferred "thinking…" response. */
  private async fillOriginal(i: InteractionContext['interaction'], thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    const ephemeral = Boolean(reply.ephemeral);
    const rendered = renderReply(reply, { uploadLimit: this.uploadLimit(thread), ephemeral });
    let msg: APIMessage;
    if (ephemeral && !i.deferredEphemeral) {
      // A public placeholder cannot turn private: remove it and answer privately.
      await this.messenger.deleteWebhookMessage(i.token, '@original').catch((err: unknown) => getLogger().warn({ err: loggableError(err) }, 'discord: could not delete deferred reply'));
      msg = await this.messenger.followUp(i.token, rendered);
      this.messenger.rememberEditable(msg.id, i.token, msg.id);
    } else {
      msg = await this.messenger.editWebhookMessage(i.token, '@original', rendered);
      this.messenger.rememberEditable(msg.id, i.token, '@original');
      if (i.threadOnFill && !ephemeral) await this.openThread(i.threadOnFill, msg.id);
    }
    this.messenger.rememberThreadOf(msg.id, thread);
    return { platform: 'discord', channel: msg.channel_id, thread: thread.thread, id: msg.id };
  }

  async update(message: MessageRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
    const i = interactionOf(ctx);
    if (i) await this.state(i).filled;
    const rendered = renderReply(reply, { uploadLimit: this.messenger.uploadLimit(message.thread) });
    delete rendered.body.flags; // flags other than suppress-embeds cannot change on edit
    const viaToken = this.messenger.editableWith(message.id);
    if (viaToken) {
      await this.messenger.editWebhookMessage(viaToken.token, viaToken.target, rendered);
    } else if (this.messenger.botAuth) {
      await this.messenger.editMessage(message.channel, message.id, rendered);
    } else {
      throw new Error('discord: cannot edit (the interaction token expired and no bot token is configured)');
    }
  }

  async sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
    const i = interactionOf(ctx);
    const privately = Boolean(i && tokenLive(i.token) && i.userId === user.id);
    // Without a live interaction from this user Discord has no private channel to them here.
    await this.send(thread, { ...reply, ephemeral: privately }, ctx);
  }

  /**
   * The engine had nothing to say (a re-delivery, say): remove the "thinking…" placeholder rather
   * than leave it spinning until Discord gives up on it.
   */
  async settle(ctx: ReplyContext): Promise<void> {
    const i = interactionOf(ctx);
    if (!i) return;
    const state = this.state(i);
    await state.filled;
    if (!state.pending || !tokenLive(i.token)) return;
    state.pending = false;
    await this.messenger.deleteWebhookMessage(i.token, '@original').catch((err: unknown) => getLogger().warn({ err: loggableError(err) }, 'discord: could not delete deferred reply'));
  }

  private async openThread(target: { channelId: string; name: string }, messageId: string): Promise<void> {
    try {
      await this.messenger.startThread(target.channelId, messageId, target.name);
    } catch (err) {
      // Missing permission or a channel without threads: the session simply stays in the channel.
      this.messenger.markThreadChannel(messageId, false);
      getLogger().warn({ err: loggableError(err) }, 'discord: could not open a thread for the session');
    }
  }
}
