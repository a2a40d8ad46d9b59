import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  InteractionType,
  type APIAttachment,
  type APIInteraction,
  type APIMessage,
} from 'discord.js';
import pRetry from 'p-retry';
import type { ActionEvent, CommandInvocation, Deliver, ThreadRef } from '../../engine/types.js';
import { resolveLocale, t, type Locale } from '../../i18n/index.js';
import type { Logger } from '../../util/logger.js';
import { interactionContext, type DiscordAdapter, type InteractionContext } from './adapter.js';
import { splitAttachments, type DiscordFile } from './attachments.js';
import { CHAT_COMMANDS, EDIT_IMAGE_MENU, OPTION_KEYS, PRIVATE_COMMANDS } from './commands.js';
import { interactionToken, loggableError, type DiscordMessenger } from './messenger.js';

/**
 * One interaction as both modes see it (discord.js objects in gateway mode, raw JSON over HTTP),
 * reduced to what the engine needs.
 */
export interface InteractionView {
  id: string;
  token: string;
  appId: string;
  kind: 'command' | 'component';
  guildId?: string;
  channelId: string;
  channelType?: number;
  parentId?: string;
  user: { id: string; name?: string };
  locale?: string;
  /** Command name as registered (English default name). */
  commandName?: string;
  instruction?: string;
  /** Scalar command options by registered name (attachments are in `files`). */
  options?: Record<string, string | number | boolean>;
  files: DiscordFile[];
  customId?: string;
  values?: string[];
  /** The message a component sits on. */
  message?: { id: string; channelId: string };
  attachmentSizeLimit?: number;
  receivedAt: number;
}

const THREAD_TYPES: ReadonlySet<number> = new Set([ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread]);
const THREADABLE_TYPES: ReadonlySet<number> = new Set([ChannelType.GuildText, ChannelType.GuildAnnouncement]);

export function isThreadChannel(type: number | undefined): boolean {
  return type !== undefined && THREAD_TYPES.has(type);
}

function fileFromApi(a: APIAttachment): DiscordFile {
  return { id: a.id, filename: a.filename, contentType: a.content_type, size: a.size, url: a.url };
}

/** Normalises a raw interaction payload (HTTP interactions mode). */
export function viewFromApi(raw: APIInteraction, receivedAt = Date.now()): InteractionView | undefined {
  const user = raw.member?.user ?? raw.user;
  const channel = (raw.channel ?? (raw.channel_id ? { id: raw.channel_id } : undefined)) as
    | { id: string; type?: number; parent_id?: string | null }
    | undefined;
  if (!user || !channel) return undefined;
  const base = {
    id: raw.id,
    token: raw.token,
    appId: raw.application_id,
    guildId: raw.guild_id,
    channelId: channel.id,
    channelType: channel.type,
    parentId: channel.parent_id ?? undefined,
    user: { id: user.id, name: user.global_name ?? user.username },
    locale: 'locale' in raw ? raw.locale : undefined,
    attachmentSizeLimit: (raw as { attachment_size_limit?: number }).attachment_size_limit,
    receivedAt,
  };
  if (raw.type === InteractionType.ApplicationCommand) {
    const data = raw.data;
    if (data.type === ApplicationCommandType.ChatInput) {
      const options: Record<string, string | number | boolean> = {};
      let attachmentId: string | undefined;
      for (const o of data.options ?? []) {
        if (o.type === ApplicationCommandOptionType.Attachment) attachmentId = o.value;
        else if ('value' in o && (typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean')) options[o.name] = o.value;
      }
      const attachment = attachmentId ? data.resolved?.attachments?.[attachmentId] : undefined;
      return {
        ...base,
        kind: 'command',
        commandName: data.name,
        instruction: typeof options.instruction === 'string' ? options.instruction : undefined,
        options,
        files: attachment ? [fileFromApi(attachment)] : [],
      };
    }
    if (data.type === ApplicationCommandType.Message) {
      const target = data.resolved.messages[data.target_id] as APIMessage | undefined;
      return {
        ...base,
        kind: 'command',
        commandName: data.name,
        instruction: target?.content ?? '',
        files: (target?.attachments ?? []).map(fileFromApi),
      };
    }
    return undefined;
  }
  if (raw.type === InteractionType.MessageComponent) {
    const data = raw.data;
    return {
      ...base,
      kind: 'component',
      files: [],
      customId: data.custom_id,
      values: data.component_type === ComponentType.StringSelect ? data.values : undefined,
      message: { id: raw.message.id, channelId: raw.message.channel_id },
    };
  }
  return undefined;
}

/** Removes user/role/channel mentions so the engine sees only the instruction. */
export function stripMentions(text: string): string {
  return text.replace(/<@[!&]?\d+>/g, ' ').replace(/\s+/g, ' ').trim();
}

export interface InteractionDeps {
  deliver: Deliver;
  adapter: DiscordAdapter;
  messenger: DiscordMessenger;
  logger: Logger;
}

function engineCommandName(view: InteractionView): CommandInvocation['name'] | undefined {
  if (view.commandName === EDIT_IMAGE_MENU) return 'edit';
  return (CHAT_COMMANDS as readonly string[]).includes(view.commandName ?? '') ? (view.commandName as CommandInvocation['name']) : undefined;
}

/** Whether the deferred reply to this command should be visible only to the caller. */
export function defersPrivately(view: InteractionView): boolean {
  return PRIVATE_COMMANDS.has(view.commandName ?? '');
}

/**
 * What happens after the 3-second acknowledgement, the same in both modes: work out the session
 * thread, describe the interaction as the event's reply context and deliver the event.
 */
export class InteractionHandler {
  constructor(private readonly deps: InteractionDeps) {}

  /** The deferred reply's id; Discord may need a moment after our HTTP answer before it exists. */
  private async originalMessageId(token: ReturnType<typeof interactionToken>): Promise<string | undefined> {
    return pRetry(async () => (await this.deps.messenger.fetchOriginal(token)).id, { retries: 2, minTimeout: 250, factor: 2 }).catch(() => undefined);
  }

  /**
   * `originalId`: the id of the deferred reply when the acknowledgement returned it; otherwise it is
   * fetched (sessions started by /edit are keyed by that message, which also becomes the thread).
   */
  async handle(view: InteractionView, originalId?: string): Promise<void> {
    const { deliver, messenger, logger } = this.deps;
    const token = interactionToken(view.appId, view.token, view.receivedAt);
    const inThread = isThreadChannel(view.channelType);
    const workspace = view.guildId ?? '';
    const base = { id: view.id, token, userId: view.user.id };
    try {
      if (view.kind === 'component') {
        const msg = view.message!;
        const thread: ThreadRef = inThread
          ? { platform: 'discord', workspace, channel: view.parentId ?? view.channelId, thread: view.channelId }
          : (messenger.threadOf(msg.id) ?? { platform: 'discord', workspace, channel: view.channelId, thread: msg.id });
        messenger.rememberEditable(msg.id, token, '@original');
        messenger.rememberUploadLimit(thread.thread, view.attachmentSizeLimit);
        const action: ActionEvent = {
          platform: 'discord',
          eventId: view.id,
          thread,
          user: view.user,
          locale: view.locale,
          actionId: view.customId ?? '',
          values: view.values,
          message: { platform: 'discord', channel: msg.channelId, thread: thread.thread, id: msg.id },
        };
        await deliver({ kind: 'action', action }, interactionContext({ ...base, deferred: false, deferredEphemeral: false }));
        return;
      }

      const name = engineCommandName(view);
      if (!name) return;
      const ephemeral = defersPrivately(view);
      const startsSession = name === 'edit' || name === 'suggest';
      if (startsSession && !originalId && !ephemeral) {
        originalId = await this.originalMessageId(token);
      }
      let thread: ThreadRef;
      let threadOnFill: InteractionContext['interaction']['threadOnFill'];
      if (inThread) {
        thread = { platform: 'discord', workspace, channel: view.parentId ?? view.channelId, thread: view.channelId };
        messenger.markThreadChannel(view.channelId, true);
      } else if (startsSession) {
        // Keyed by the reply that will start the thread; the interaction id keeps sessions apart otherwise.
        thread = { platform: 'discord', workspace, channel: view.channelId, thread: originalId ?? view.id };
        if (originalId && view.guildId && messenger.botAuth && THREADABLE_TYPES.has(view.channelType ?? -1)) {
          threadOnFill = { channelId: view.channelId, name: threadName(view) };
        }
      } else {
        thread = { platform: 'discord', workspace, channel: view.channelId, thread: view.channelId };
      }
      messenger.rememberUploadLimit(thread.thread, view.attachmentSizeLimit);
      const { images, otherFiles } = splitAttachments(view.files);
      const instruction = stripMentions(view.instruction ?? '');
      const options = engineOptions(view.options, instruction);
      const command: CommandInvocation = {
        platform: 'discord',
        eventId: view.id,
        thread,
        user: view.user,
        locale: view.locale,
        text: instruction,
        images,
        ...(otherFiles.length ? { otherFiles } : {}),
        receivedAt: view.receivedAt,
        name,
        ...(options ? { options } : {}),
      };
      await deliver({ kind: 'command', command }, interactionContext({ ...base, deferred: true, deferredEphemeral: ephemeral, originalId, threadOnFill }));
    } catch (err) {
      logger.error({ err: loggableError(err), interaction: view.id }, 'discord: interaction handling failed');
      // The deferred reply the engine never filled is replaced by the error.
      const locale = resolveLocale(view.locale);
      await this.deps.adapter
        .sendEphemeral({ platform: 'discord', workspace, channel: view.channelId, thread: view.channelId }, view.user, { text: t(locale, 'common.internal_error', { ref: view.id }), locale, ephemeral: true }, interactionContext({ ...base, deferred: view.kind === 'command', deferredEphemeral: defersPrivately(view) }))
        .catch(() => undefined);
    }
  }
}

/** Renames registered option names to the engine's keys; unknown options are dropped. */
function engineOptions(raw: InteractionView['options'], instruction: string): CommandInvocation['options'] {
  if (!raw) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(raw)) {
    const key = OPTION_KEYS[name];
    if (key) out[key] = key === 'instruction' ? instruction : value;
  }
  return Object.keys(out).length ? out : undefined;
}

/** "Photo edit: <instruction>" in the given locale, within Discord's 100-character thread name limit. */
export function sessionThreadName(instruction: string, locale: Locale): string {
  const name = instruction ? t(locale, 'discord.thread_name', { instruction }) : t(locale, 'discord.thread_name_default');
  return Array.from(name).slice(0, 100).join('');
}

function threadName(view: InteractionView): string {
  return sessionThreadName(stripMentions(view.instruction ?? ''), resolveLocale(view.locale));
}
