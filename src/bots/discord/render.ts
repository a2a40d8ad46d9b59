import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type RawFile,
} from 'discord.js';
import { t } from '../../i18n/index.js';
import type { Button, Reply } from '../../engine/types.js';

/** Discord's documented limits (https://discord.com/developers/docs/resources/message). */
export const LIMITS = {
  content: 2000,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  selectOptions: 25,
  selectText: 100,
  placeholder: 150,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  attachmentDescription: 1024,
  attachmentsPerMessage: 10,
} as const;

/** The JSON part of a message create/edit request plus the files sent with it as multipart. */
export interface RenderedMessage {
  body: {
    content: string;
    embeds: APIEmbed[];
    components: APIActionRowComponent<APIComponentInMessageActionRow>[];
    /** Absent on an edit that keeps the message's attachments as they are. */
    attachments?: { id: number; filename: string; description?: string }[];
    allowed_mentions: { parse: [] };
    flags?: number;
  };
  files: RawFile[];
  /** Images that were left out because they exceed the upload limit. */
  dropped: number;
}

type CustomIdStyle = ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger;

const STYLE: Record<NonNullable<Button['style']>, CustomIdStyle> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
  success: ButtonStyle.Success,
};

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A bar under the engine's own progress sentence (which already names the percentage). */
function progressLine(reply: Reply): string | undefined {
  const p = reply.progress;
  if (!p || p.state !== 'running' || p.fraction === undefined) return undefined;
  const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * 10);
  return `${'▰'.repeat(filled)}${'▱'.repeat(10 - filled)}`;
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * Renders the engine's neutral Reply as a Discord message. The result describes the whole message
 * (empty embeds/components/attachments clear what an earlier version showed), so it serves both
 * create and edit. Images become attachments (alt text as the attachment description); the
 * secondary fields become one embed.
 */
export function renderReply(reply: Reply, opts: { uploadLimit: number; ephemeral?: boolean }): RenderedMessage {
  const lines = [reply.text];
  const progress = progressLine(reply);
  if (progress) lines.push(progress);

  const files: RawFile[] = [];
  const attachments: RenderedMessage['body']['attachments'] = [];
  let dropped = 0;
  let total = 0;
  for (const image of reply.keepImages ? [] : (reply.images ?? [])) {
    if (files.length >= LIMITS.attachmentsPerMessage || total + image.data.length > opts.uploadLimit) {
      dropped++;
      lines.push(
        t(reply.locale, 'discord.image_too_large_to_upload', { size: mb(image.data.length), limit: mb(opts.uploadLimit) }),
      );
      continue;
    }
    total += image.data.length;
    const filename = safeFilename(image.filename, files.length, image.mimeType);
    attachments.push({ id: files.length, filename, description: cut(image.alt, LIMITS.attachmentDescription) });
    files.push({ name: filename, data: image.data, contentType: image.mimeType });
  }

  const embeds: APIEmbed[] = [];
  const fields = (reply.fields ?? []).slice(0, LIMITS.embedFields);
  if (fields.length) {
    embeds.push({
      fields: fields.map((f) => ({ name: cut(f.label || '\u200b', LIMITS.fieldName), value: cut(f.value || '\u200b', LIMITS.fieldValue), inline: false })),
    });
  }

  const components: RenderedMessage['body']['components'] = [];
  const buttonRowBudget = reply.select ? LIMITS.rows - 1 : LIMITS.rows;
  for (const row of (reply.buttons ?? []).slice(0, buttonRowBudget)) {
    const buttons = row.slice(0, LIMITS.buttonsPerRow).map((b) => ({
      type: ComponentType.Button as const,
      style: STYLE[b.style ?? 'secondary'],
      label: cut(b.label, LIMITS.buttonLabel),
      custom_id: b.id.slice(0, LIMITS.customId),
      ...(b.disabled ? { disabled: true } : {}),
    }));
    if (buttons.length) components.push({ type: ComponentType.ActionRow, components: buttons });
  }
  if (reply.select && reply.select.options.length) {
    const options = reply.select.options.slice(0, LIMITS.selectOptions);
    const maxValues = Math.max(1, Math.min(reply.select.maxValues, options.length));
    components.push({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.StringSelect,
          custom_id: reply.select.id.slice(0, LIMITS.customId),
          placeholder: cut(reply.select.placeholder, LIMITS.placeholder),
          min_values: Math.max(0, Math.min(reply.select.minValues, maxValues)),
          max_values: maxValues,
          options: options.map((o) => ({
            value: o.value.slice(0, LIMITS.selectText),
            label: cut(o.label, LIMITS.selectText),
            ...(o.description ? { description: cut(o.description, LIMITS.selectText) } : {}),
          })),
        },
      ],
    });
  }

  const body: RenderedMessage['body'] = {
    content: cut(lines.filter(Boolean).join('\n'), LIMITS.content),
    embeds,
    components,
    // Leaving `attachments` out of an edit keeps the ones the message has.
    ...(reply.keepImages ? {} : { attachments }),
    allowed_mentions: { parse: [] },
  };
  if (opts.ephemeral) body.flags = MessageFlags.Ephemeral;
  return { body, files, dropped };
}

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/** Attachment names must be unique within a message and safe for `attachment://` references. */
function safeFilename(name: string, index: number, mimeType: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80);
  const base = cleaned || `image.${EXT[mimeType] ?? 'png'}`;
  return index === 0 ? base : `${index}_${base}`;
}
