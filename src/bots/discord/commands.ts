import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  OAuth2Scopes,
  PermissionFlagsBits,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { t, type MessageKey } from '../../i18n/index.js';

/** The chat-input commands the engine understands; the context-menu command maps to `edit`. */
export const CHAT_COMMANDS = ['edit', 'suggest', 'settings', 'status'] as const;
export type ChatCommandName = (typeof CHAT_COMMANDS)[number];
/** Default (English) name of the message context-menu command; interactions always carry this one. */
export const EDIT_IMAGE_MENU = t('en', 'discord.cmd.edit_image.name');

/** Option names as registered → the engine's option keys (Discord names must be lowercase). */
export const OPTION_KEYS: Readonly<Record<string, string>> = {
  instruction: 'instruction',
  backend: 'backend',
  strength: 'strength',
  seed: 'seed',
  steps: 'steps',
  cfg_scale: 'cfgScale',
  language: 'locale',
};

/** Commands whose answers concern only the caller, so the deferred reply is ephemeral. */
export const PRIVATE_COMMANDS: ReadonlySet<string> = new Set(['settings', 'status']);

function localized(key: MessageKey): { value: string; zh: Record<string, string> } {
  return { value: t('en', key), zh: { 'zh-CN': t('zh-CN', key) } };
}

function named(prefix: string): { name: string; name_localizations: Record<string, string>; description: string; description_localizations: Record<string, string> } {
  const name = localized(`${prefix}.name` as MessageKey);
  const description = localized(`${prefix}.description` as MessageKey);
  return { name: name.value, name_localizations: name.zh, description: description.value, description_localizations: description.zh };
}

const EVERYWHERE = {
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  integration_types: [ApplicationIntegrationType.GuildInstall],
};

/** Command definitions registered with Discord (names and descriptions in English and Chinese). */
export function commandDefinitions(): RESTPutAPIApplicationCommandsJSONBody {
  return [
    {
      ...named('discord.cmd.edit'),
      type: ApplicationCommandType.ChatInput,
      ...EVERYWHERE,
      options: [
        { ...named('discord.cmd.edit.image'), type: ApplicationCommandOptionType.Attachment, required: true },
        { ...named('discord.cmd.edit.instruction'), type: ApplicationCommandOptionType.String, required: true, max_length: 1000 },
      ],
    },
    {
      ...named('discord.cmd.suggest'),
      type: ApplicationCommandType.ChatInput,
      ...EVERYWHERE,
      // Optional: inside a session thread /suggest looks at the current photo.
      options: [{ ...named('discord.cmd.suggest.image'), type: ApplicationCommandOptionType.Attachment, required: false }],
    },
    {
      ...named('discord.cmd.settings'),
      type: ApplicationCommandType.ChatInput,
      ...EVERYWHERE,
      options: [
        {
          ...named('discord.cmd.settings.backend'),
          type: ApplicationCommandOptionType.String,
          choices: [
            { name: t('en', 'discord.cmd.settings.backend.default'), name_localizations: localized('discord.cmd.settings.backend.default').zh, value: 'default' },
            { name: 'sd-webui', value: 'sd-webui' },
            { name: 'openai', value: 'openai' },
          ],
        },
        { ...named('discord.cmd.settings.strength'), type: ApplicationCommandOptionType.Number, min_value: 0, max_value: 1 },
        { ...named('discord.cmd.settings.seed'), type: ApplicationCommandOptionType.Integer, min_value: -1, max_value: 2 ** 31 - 1 },
        { ...named('discord.cmd.settings.steps'), type: ApplicationCommandOptionType.Integer, min_value: 1, max_value: 150 },
        { ...named('discord.cmd.settings.cfg_scale'), type: ApplicationCommandOptionType.Number, min_value: 1, max_value: 30 },
        {
          ...named('discord.cmd.settings.language'),
          type: ApplicationCommandOptionType.String,
          choices: [
            { name: 'English', value: 'en' },
            { name: '简体中文', value: 'zh-CN' },
          ],
        },
      ],
    },
    { ...named('discord.cmd.status'), type: ApplicationCommandType.ChatInput, ...EVERYWHERE },
    {
      name: EDIT_IMAGE_MENU,
      name_localizations: localized('discord.cmd.edit_image.name').zh,
      type: ApplicationCommandType.Message,
      ...EVERYWHERE,
    },
  ];
}

/** The minimal permissions the bot needs: answer, open a thread per session and post photos in it. */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks;

export function inviteUrl(appId: string): string {
  const params = new URLSearchParams({
    client_id: appId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: BOT_PERMISSIONS.toString(),
  });
  return `https://discord.com/oauth2/authorize?${params.toString()}`;
}
