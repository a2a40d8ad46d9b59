import type { App, webApi } from '@slack/bolt';
import type { ActionEvent, Deliver, ImageRef, IncomingMessage, MessageRef, ThreadQuery, ThreadRef } from '../../engine/types.js';
import type { BotIdentity } from './identity.js';

/** The parts of a Slack file object we read (events carry a subset; files.info the rest). */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  mode?: string;
  file_access?: string;
}

/** The parts of a message / app_mention event we read. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFile[];
}

/** Subtypes that are a person posting; everything else (joins, edits, bot posts…) is ignored. */
const USER_POST_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);
const IMAGE_TYPES = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'heic', 'heif', 'bmp', 'tiff']);

export function isUserPost(event: SlackMessageEvent, botUserId?: string): boolean {
  if (!USER_POST_SUBTYPES.has(event.subtype)) return false;
  if (event.bot_id || !event.user) return false;
  return event.user !== botUserId;
}

export function threadOf(event: SlackMessageEvent, team: string): ThreadRef {
  return { platform: 'slack', workspace: team, channel: event.channel, thread: event.thread_ts ?? event.ts };
}

export function isImageFile(f: SlackFile): boolean {
  if (f.mimetype) return f.mimetype.toLowerCase().startsWith('image/');
  return IMAGE_TYPES.has((f.filetype ?? '').toLowerCase());
}

/**
 * Removes the bot's mention and undoes Slack's message escaping, so the engine reads what the user
 * typed. Without a known bot id (auth.test still pending) a leading mention is taken to be ours.
 */
export function cleanText(text: string | undefined, botUserId?: string): string {
  let s = text ?? '';
  if (botUserId) s = s.replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g'), ' ');
  else s = s.replace(/^\s*<@[A-Z0-9]+(\|[^>]*)?>/, ' ');
  s = s
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return s.replace(/\s+/g, ' ').trim();
}

export interface FileAccess {
  client: webApi.WebClient;
}

/**
 * Splits a message's files into lazily downloaded images and the names of the rest. Files that
 * events list by id only ("check_file_info") are looked up with files.info first.
 */
export async function collectFiles(files: SlackFile[] | undefined, access: FileAccess): Promise<{ images: ImageRef[]; otherFiles: string[] }> {
  const images: ImageRef[] = [];
  const otherFiles: string[] = [];
  for (const raw of files ?? []) {
    if (raw.mode === 'tombstone' || raw.mode === 'hidden_by_limit') continue;
    const file = raw.file_access === 'check_file_info' || !(raw.url_private || raw.url_private_download) ? await fileInfo(raw, access) : raw;
    if (!file) continue;
    if (!isImageFile(file)) {
      otherFiles.push(file.name ?? file.title ?? file.id);
      continue;
    }
    // Downloaded by SlackChatAdapter.download, with the bot token, when the engine needs the bytes.
    images.push({ id: file.id, name: file.name, mimeType: file.mimetype, size: file.size, url: file.url_private_download ?? file.url_private });
  }
  return { images, otherFiles };
}

/**
 * The photo a mention refers to when it carries none: the newest user post with image files earlier
 * in the same thread (people post the photo first, then ask in the thread). Needs *:history scopes.
 */
export async function filesEarlierInThread(client: webApi.WebClient, event: SlackMessageEvent, botUserId?: string): Promise<SlackFile[] | undefined> {
  if (!event.thread_ts || event.thread_ts === event.ts) return undefined;
  try {
    const res = await client.conversations.replies({ channel: event.channel, ts: event.thread_ts, latest: event.ts, inclusive: false, limit: 100 });
    const earlier = ((res.messages ?? []) as SlackMessageEvent[]).filter((m) => m.ts !== event.ts && !m.bot_id && m.user !== botUserId);
    for (const m of earlier.reverse()) {
      const images = (m.files ?? []).filter((f) => f.file_access === 'check_file_info' || isImageFile(f));
      if (images.length) return images;
    }
  } catch {
    // Without history access the mention simply arrives without a photo; the engine asks for one.
  }
  return undefined;
}

async function fileInfo(file: SlackFile, access: FileAccess): Promise<SlackFile | undefined> {
  try {
    const res = await access.client.files.info({ file: file.id });
    return res.file ? ({ ...file, ...(res.file as SlackFile) } as SlackFile) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A post as the engine's IncomingMessage. Its id is the post's own identity (channel and ts), so a
 * post that arrives twice (a retry, or as both app_mention and message) is one event to the engine.
 */
export function toIncomingMessage(event: SlackMessageEvent, ctx: { team: string; botUserId?: string; files: { images: ImageRef[]; otherFiles: string[] } }): IncomingMessage {
  return {
    platform: 'slack',
    eventId: `${event.channel}:${event.ts}`,
    thread: threadOf(event, ctx.team),
    user: { id: event.user as string },
    text: cleanText(event.text, ctx.botUserId),
    images: ctx.files.images,
    otherFiles: ctx.files.otherFiles.length ? ctx.files.otherFiles : undefined,
    receivedAt: Date.now(),
  };
}

/** The parts of a block_actions payload we read. */
export interface BlockActionsBody {
  type: 'block_actions';
  trigger_id?: string;
  team?: { id: string } | null;
  user: { id: string; name?: string; username?: string };
  channel?: { id: string };
  container?: { type?: string; message_ts?: string; channel_id?: string; thread_ts?: string; is_ephemeral?: boolean };
  message?: { ts: string; thread_ts?: string };
  actions: BlockAction[];
}

export interface BlockAction {
  type: string;
  action_id: string;
  action_ts?: string;
  value?: string;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}

/** A button click or select change as the engine's ActionEvent; undefined when it has no conversation. */
export function toActionEvent(body: BlockActionsBody, action: BlockAction): ActionEvent | undefined {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  const thread = body.message?.thread_ts ?? body.container?.thread_ts ?? messageTs;
  if (!channel || !thread) return undefined;
  let values: string[] | undefined;
  if (action.selected_options) values = action.selected_options.map((o) => o.value);
  else if (action.selected_option !== undefined) values = action.selected_option ? [action.selected_option.value] : [];
  const message: MessageRef | undefined =
    messageTs && !body.container?.is_ephemeral ? { platform: 'slack', channel, thread, id: messageTs } : undefined;
  return {
    platform: 'slack',
    eventId: `action:${body.trigger_id ?? `${messageTs}:${action.action_id}:${action.action_ts ?? ''}`}`,
    thread: { platform: 'slack', workspace: body.team?.id ?? '', channel, thread },
    user: { id: body.user.id, name: body.user.name ?? body.user.username },
    actionId: action.action_id,
    values,
    message,
  };
}

export interface ListenerDeps {
  deliver: Deliver;
  threads: ThreadQuery;
  identity: BotIdentity;
  access: FileAccess;
}

/** Slack events in, engine events out: the listeners Bolt calls, each ending in `deliver`. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const { deliver, threads, identity, access } = deps;

  const onMessage = async (body: Record<string, unknown>, event: SlackMessageEvent, kind: 'mention' | 'message') => {
    // The envelope names the bot user it was delivered to: good enough while auth.test has not answered.
    const botUserId = identity.userId ?? envelopeBotUser(body);
    if (!isUserPost(event, botUserId)) return;
    const team = String(body.team_id ?? identity.team ?? '');
    const thread = threadOf(event, team);
    if (kind === 'message' && event.channel_type !== 'im') {
      // In channels the bot only listens without a mention inside threads it is already editing in.
      if (!event.thread_ts || event.thread_ts === event.ts) return;
      if (!(await threads.isActive(thread))) return;
    }
    let shared = event.files;
    if (kind === 'mention' && !shared?.length && event.thread_ts && !(await threads.isActive(thread))) {
      shared = await filesEarlierInThread(access.client, event, botUserId);
    }
    const files = await collectFiles(shared, access);
    await deliver({ kind: 'message', message: toIncomingMessage(event, { team, botUserId, files }) });
  };

  app.event('app_mention', async ({ body, event }) => {
    await onMessage(body as unknown as Record<string, unknown>, event as unknown as SlackMessageEvent, 'mention');
  });
  app.event('message', async ({ body, event }) => {
    await onMessage(body as unknown as Record<string, unknown>, event as unknown as SlackMessageEvent, 'message');
  });
  app.action(/.*/, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const ev = toActionEvent(body as unknown as BlockActionsBody, action as unknown as BlockAction);
    if (ev) await deliver({ kind: 'action', action: ev });
  });
}

function envelopeBotUser(body: Record<string, unknown>): string | undefined {
  const auth = (body.authorizations as { user_id?: string; is_bot?: boolean }[] | undefined)?.[0];
  return auth?.is_bot ? auth.user_id : undefined;
}
