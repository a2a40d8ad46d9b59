import { LRUCache } from 'lru-cache';
import type { APIMessage } from 'discord.js';
import { ReplyExpiredError, type ChatAdapter, type ImageRef, type MessageRef, type Reply, type ReplyContext, type ThreadRef, type UserRef } from '../../engine/types.js';
import { getLogger } from '../../util/logger.js';
import { downloadAttachment } from './attachments.js';
import { isExpiredToken, isNotOurs, loggableError, tokenLive, type DiscordMessenger, type InteractionToken } from './messenger.js';
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
  /** Interaction responses (webhook messages): only their interaction's token edits them. */
  private readonly webhookMessages = new LRUCache<string, true>({ max: 5000 });
  /** A webhook message whose token expired → the channel message that carries its later replies. */
  private readonly lateMessages = new LRUCache<string, { channel: string; id: string }>({ max: 5000 });

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

  /**
   * Without a bot token the interaction token is the only way to answer, for 15 minutes: the engine
   * warns before a job that may run longer and offers Retrieve. With one, late replies go out as
   * channel messages, so there is no deadline.
   */
  replyDeadline(ctx?: ReplyContext): number | undefined {
    const i = interactionOf(ctx);
    return i && !this.messenger.botAuth ? i.token.expiresAt : undefined;
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
      msg = await this.messenger.followUp(i.token, rendered).catch((err: unknown) => {
        throw isExpiredToken(err) ? new ReplyExpiredError('discord: the interaction token expired') : err;
      });
      this.messenger.rememberEditable(msg.id, i.token, msg.id);
      this.webhookMessages.set(msg.id, true);
    } else if (this.messenger.botAuth) {
      msg = await this.messenger.postInThread(thread, { ...rendered, body: { ...rendered.body, flags: undefined } });
    } else {
      throw new ReplyExpiredError('discord: cannot post (the interaction token expired and no bot token is configured)');
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
      // Ephemerality was set by the deferred response; Edit Webhook Message takes no such flag.
      delete rendered.body.flags;
      msg = await this.messenger.editWebhookMessage(i.token, '@original', rendered);
      this.messenger.rememberEditable(msg.id, i.token, '@original');
      if (i.threadOnFill && !ephemeral) await this.openThread(i.threadOnFill, msg.id);
    }
    this.webhookMessages.set(msg.id, true);
    this.messenger.rememberThreadOf(msg.id, thread);
    return { platform: 'discord', channel: msg.channel_id, thread: thread.thread, id: msg.id };
  }

  /**
   * Edits a message: with the interaction token that can (the click's, or the command's), else with
   * the bot token. An interaction response whose token has expired cannot be edited any more: with
   * a bot token its later replies (a late result) go into a channel message of their own, which
   * later edits follow; without one the engine is told (ReplyExpiredError) and offers Retrieve.
   */
  async update(message: MessageRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
    const i = interactionOf(ctx);
    if (i) await this.state(i).filled;
    const rendered = renderReply(reply, { uploadLimit: this.messenger.uploadLimit(message.thread) });
    delete rendered.body.flags; // flags other than suppress-embeds cannot change on edit
    const late = this.lateMessages.get(message.id);
    if (late) {
      await this.messenger.editMessage(late.channel, late.id, rendered);
      return;
    }
    const viaToken = this.messenger.editableWith(message.id);
    if (viaToken) {
      try {
        await this.messenger.editWebhookMessage(viaToken.token, viaToken.target, rendered);
        return;
      } catch (err) {
        if (!isExpiredToken(err)) throw err;
      }
    }
    if (!this.messenger.botAuth) throw new ReplyExpiredError('discord: cannot edit (the interaction token expired and no bot token is configured)');
    if (!this.webhookMessages.has(message.id)) {
      // The bot's own channel message (a session started by a mention): the bot token edits it.
      try {
        await this.messenger.editMessage(message.channel, message.id, rendered);
        return;
      } catch (err) {
        if (!isNotOurs(err)) throw err;
      }
    }
    // Late: the interaction response is out of reach; the reply becomes a channel message.
    const thread = this.messenger.threadOf(message.id) ?? { platform: 'discord' as const, workspace: '', channel: message.channel, thread: message.thread };
    const posted = await this.messenger.postInThread(thread, rendered);
    this.lateMessages.set(message.id, { channel: posted.channel_id, id: posted.id });
    getLogger().info({ message: message.id }, 'discord: interaction token expired; the reply went out as a channel message');
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
