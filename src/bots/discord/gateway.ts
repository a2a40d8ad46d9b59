import {
  ApplicationCommandOptionType,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type Attachment,
  type Interaction,
  type Message,
} from 'discord.js';
import type { Deliver, ThreadQuery, ThreadRef } from '../../engine/types.js';
import type { Logger } from '../../util/logger.js';
import { splitAttachments, type DiscordFile } from './attachments.js';
import { defersPrivately, isThreadChannel, sessionThreadName, stripMentions, type InteractionHandler, type InteractionView } from './interactions.js';
import { loggableError, type DiscordMessenger } from './messenger.js';
import { detectTextLocale } from '../../i18n/index.js';

/** The gateway close code Discord sends when a privileged intent is not enabled for the bot. */
const DISALLOWED_INTENTS = 4014;

export function createGatewayClient(apiUrl: string | undefined, opts: { messageContent?: boolean } = {}): Client {
  return new Client({
    // MessageContent (privileged) lets follow-up messages in a session thread continue it without a mention.
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.DirectMessages,
      ...(opts.messageContent === false ? [] : [GatewayIntentBits.MessageContent]),
    ],
    // DM channels and threads created before a restart are not cached; partials still deliver their messages.
    partials: [Partials.Channel],
    ...(apiUrl ? { rest: { api: apiUrl } } : {}),
  });
}

function fileFromAttachment(a: Attachment): DiscordFile {
  return { id: a.id, filename: a.name, contentType: a.contentType ?? undefined, size: a.size, url: a.url };
}

/** Normalises a discord.js interaction (gateway mode); undefined for kinds the bot does not handle. */
export function viewFromDiscordJs(i: Interaction): InteractionView | undefined {
  const channel = i.channel;
  const base = {
    id: i.id,
    token: i.token,
    appId: i.applicationId,
    guildId: i.guildId ?? undefined,
    channelId: i.channelId ?? '',
    channelType: channel?.type,
    parentId: channel && 'parentId' in channel ? (channel.parentId ?? undefined) : undefined,
    user: { id: i.user.id, name: i.user.globalName ?? i.user.username },
    locale: i.locale,
    attachmentSizeLimit: i.attachmentSizeLimit,
    receivedAt: Date.now(),
  };
  if (i.isChatInputCommand()) {
    const image = i.options.getAttachment('image');
    const options: Record<string, string | number | boolean> = {};
    for (const o of i.options.data) {
      if (o.type !== ApplicationCommandOptionType.Attachment && o.value !== undefined && o.value !== null) options[o.name] = o.value;
    }
    return {
      ...base,
      kind: 'command',
      commandName: i.commandName,
      instruction: i.options.getString('instruction') ?? undefined,
      options,
      files: image ? [fileFromAttachment(image)] : [],
    };
  }
  if (i.isMessageContextMenuCommand()) {
    return {
      ...base,
      kind: 'command',
      commandName: i.commandName,
      instruction: i.targetMessage.content ?? '',
      files: [...i.targetMessage.attachments.values()].map(fileFromAttachment),
    };
  }
  if (i.isButton() || i.isStringSelectMenu()) {
    return {
      ...base,
      kind: 'component',
      files: [],
      customId: i.customId,
      values: i.isStringSelectMenu() ? i.values : undefined,
      message: { id: i.message.id, channelId: i.message.channelId },
    };
  }
  return undefined;
}

export interface GatewayDeps {
  client: Client;
  deliver: Deliver;
  threads: ThreadQuery;
  background: <T>(work: Promise<T>) => Promise<T>;
  messenger: DiscordMessenger;
  handler: InteractionHandler;
  logger: Logger;
  /** Called when Discord refuses an intent (Message Content not enabled in the portal). */
  onDisallowedIntents?: () => void;
}

/** Wires the discord.js client: acknowledge first (3-second rule), then hand over to the engine. */
export function attachGatewayHandlers(deps: GatewayDeps): void {
  const { client, handler, logger } = deps;

  client.on(Events.InteractionCreate, (interaction) => {
    void deps.background(onInteraction(interaction).catch((err: unknown) => logger.error({ err: loggableError(err) }, 'discord: interaction failed')));
  });

  async function onInteraction(interaction: Interaction): Promise<void> {
    const view = viewFromDiscordJs(interaction);
    if (!view) return;
    let originalId: string | undefined;
    try {
      if (view.kind === 'command' && interaction.isCommand()) {
        const response = await interaction.deferReply({
          withResponse: true,
          ...(defersPrivately(view) ? { flags: MessageFlags.Ephemeral } : {}),
        });
        originalId = response.resource?.message?.id;
      } else if (interaction.isMessageComponent()) {
        await interaction.deferUpdate();
      }
    } catch (err) {
      // Too late (Discord already expired it) or a network error: nothing can be shown any more.
      logger.warn({ err: loggableError(err), interaction: view.id }, 'discord: could not acknowledge the interaction');
      return;
    }
    await handler.handle(view, originalId);
  }

  client.on(Events.MessageCreate, (message) => {
    void deps.background(onMessage(message).catch((err: unknown) => logger.error({ err: loggableError(err) }, 'discord: message handling failed')));
  });

  async function onMessage(m: Message): Promise<void> {
    if (m.author.bot || m.webhookId || m.system || !client.user) return;
    const mentioned = m.mentions.users.has(client.user.id);
    const files = [...m.attachments.values()].map(fileFromAttachment);
    const { images, otherFiles } = splitAttachments(files);
    const workspace = m.guildId ?? '';
    const channel = m.channel;
    let thread: ThreadRef;
    if (isThreadChannel(channel.type) && 'parentId' in channel) {
      thread = { platform: 'discord', workspace, channel: channel.parentId ?? channel.id, thread: channel.id };
      deps.messenger.markThreadChannel(channel.id, true);
      if (!mentioned && !(await deps.threads.isActive(thread))) return;
    } else if (channel.isDMBased()) {
      thread = { platform: 'discord', workspace: '', channel: channel.id, thread: channel.id };
    } else {
      if (!mentioned) return;
      // A photo posted with a mention starts a session: its thread opens on that message (same id).
      thread = { platform: 'discord', workspace, channel: channel.id, thread: m.id };
      if (images.length && m.guildId && deps.messenger.botAuth) {
        const text = stripMentions(m.content);
        await deps.messenger.startThread(channel.id, m.id, sessionThreadName(text, detectTextLocale(text))).catch((err: unknown) => {
          deps.messenger.markThreadChannel(m.id, false);
          logger.warn({ err: loggableError(err) }, 'discord: could not open a thread for the session');
        });
      }
    }
    await deps.deliver({
      kind: 'message',
      message: {
        platform: 'discord',
        eventId: m.id,
        thread,
        user: { id: m.author.id, name: m.author.globalName ?? m.author.username },
        text: stripMentions(m.content),
        images,
        ...(otherFiles.length ? { otherFiles } : {}),
        receivedAt: m.createdTimestamp || Date.now(),
      },
    });
  }

  client.on(Events.ShardDisconnect, (event) => {
    if (event.code === DISALLOWED_INTENTS) deps.onDisallowedIntents?.();
  });
  client.on(Events.Error, (err) => logger.error({ err: loggableError(err) }, 'discord: client error'));
}
