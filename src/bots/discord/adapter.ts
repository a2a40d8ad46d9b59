import type { APIMessage } from 'discord.js';
import type { ChatAdapter, MessageRef, Reply, ThreadRef, UserRef } from '../../engine/types.js';
import { getLogger } from '../../util/logger.js';
import { loggableError, tokenLive, type DiscordMessenger, type InteractionToken } from './messenger.js';
import { renderReply } from './render.js';

/** What the adapter knows about the interaction that started this piece of work. */
export interface InteractionSession {
  token: InteractionToken;
  userId: string;
  /** A deferred reply ("thinking…") that the first reply must fill. */
  originalPending: boolean;
  originalEphemeral: boolean;
  /** The deferred reply's message id, when Discord reported it. */
  originalId?: string;
  /** Open a public thread on the original reply once it is filled (guild text channels, bot token). */
  threadOnFill?: { channelId: string; name: string };
}

/**
 * The engine's view of Discord for one event. Replies fill the deferred interaction response
 * first, then go into the session's thread (bot token) or become follow-ups (interaction token,
 * HTTP-only mode). It renders; it never decides what to say.
 */
export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord' as const;

  /** Settles once the deferred reply is filled (and its thread opened): later replies go after it. */
  private filled: Promise<void> = Promise.resolve();

  constructor(
    private readonly messenger: DiscordMessenger,
    private readonly session?: InteractionSession,
  ) {}

  uploadLimit(thread: ThreadRef): number {
    return this.messenger.uploadLimit(thread.thread);
  }

  async send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    const s = this.session;
    if (s && tokenLive(s.token) && s.originalPending) {
      s.originalPending = false;
      const filling = this.fillOriginal(s, thread, reply);
      this.filled = filling.then(
        () => undefined,
        () => undefined,
      );
      return filling;
    }
    await this.filled;
    const ephemeral = Boolean(reply.ephemeral);
    const rendered = renderReply(reply, { uploadLimit: this.uploadLimit(thread), ephemeral });
    let msg: APIMessage;
    if (s && tokenLive(s.token) && (ephemeral || !this.messenger.botAuth)) {
      msg = await this.messenger.followUp(s.token, rendered);
      this.messenger.rememberEditable(msg.id, s.token, msg.id);
    } else if (this.messenger.botAuth) {
      msg = await this.messenger.postInThread(thread, { ...rendered, body: { ...rendered.body, flags: undefined } });
    } else {
      throw new Error('discord: cannot post (the interaction token expired and no bot token is configured)');
    }
    this.messenger.rememberThreadOf(msg.id, thread);
    return { platform: 'discord', channel: msg.channel_id, thread: thread.thread, id: msg.id };
  }

  /** The first reply to a command fills its deferred "thinking…" response. */
  private async fillOriginal(s: InteractionSession, thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    const ephemeral = Boolean(reply.ephemeral);
    const rendered = renderReply(reply, { uploadLimit: this.uploadLimit(thread), ephemeral });
    let msg: APIMessage;
    if (ephemeral && !s.originalEphemeral) {
      // A public placeholder cannot turn private: remove it and answer privately.
      await this.messenger.deleteWebhookMessage(s.token, '@original').catch((err: unknown) => getLogger().warn({ err: loggableError(err) }, 'discord: could not delete deferred reply'));
      msg = await this.messenger.followUp(s.token, rendered);
      this.messenger.rememberEditable(msg.id, s.token, msg.id);
    } else {
      msg = await this.messenger.editWebhookMessage(s.token, '@original', rendered);
      this.messenger.rememberEditable(msg.id, s.token, '@original');
      if (s.threadOnFill && !ephemeral) await this.openThread(s.threadOnFill, msg.id);
    }
    this.messenger.rememberThreadOf(msg.id, thread);
    return { platform: 'discord', channel: msg.channel_id, thread: thread.thread, id: msg.id };
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    await this.filled;
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

  async sendEphemeral(thread: ThreadRef, user: UserRef, reply: Reply): Promise<void> {
    const s = this.session;
    const privately = Boolean(s && tokenLive(s.token) && s.userId === user.id);
    // Without a live interaction from this user Discord has no private channel to them here.
    await this.send(thread, { ...reply, ephemeral: privately });
  }

  /**
   * The engine had nothing to say (a re-delivery, say): remove the "thinking…" placeholder rather
   * than leave it spinning until Discord gives up on it.
   */
  async dropUnusedPlaceholder(): Promise<void> {
    await this.filled;
    const s = this.session;
    if (!s || !s.originalPending || !tokenLive(s.token)) return;
    s.originalPending = false;
    await this.messenger.deleteWebhookMessage(s.token, '@original').catch((err: unknown) => getLogger().warn({ err: loggableError(err) }, 'discord: could not delete deferred reply'));
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
