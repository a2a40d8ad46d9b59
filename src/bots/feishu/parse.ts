/**
 * Translates Feishu payloads (as flattened by the SDK's EventDispatcher: header fields and event
 * fields side by side) into plain records. Pure functions: no I/O, no decisions about answering.
 */

export interface BotIdentity {
  openId?: string;
  name?: string;
}

export interface ParsedMessage {
  eventId: string;
  messageId: string;
  /** The reply chain's first message; the session's thread id is `rootId ?? messageId`. */
  rootId?: string;
  parentId?: string;
  /** Set in topic groups: replies then go into the topic. */
  topicId?: string;
  chatId: string;
  chatType: string;
  tenantKey: string;
  senderOpenId: string;
  senderType: string;
  messageType: string;
  /** Instruction text, bot mentions removed, other mentions shown as @name. */
  text: string;
  imageKeys: string[];
  otherFiles: string[];
  mentionsBot: boolean;
  createTime?: number;
}

export interface ParsedCardAction {
  eventId: string;
  messageId: string;
  chatId: string;
  tenantKey: string;
  operatorOpenId: string;
  /** The engine action id carried in the control's callback value. */
  actionId?: string;
  /** The select id, when the control was a submit button of the select's form. */
  selectId?: string;
  /** Values chosen in the select (form submission or a select's own callback). */
  selected?: string[];
}

type Json = Record<string, unknown>;

function rec(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

interface Mention {
  key: string;
  openId?: string;
  name?: string;
}

function isBotMention(m: Mention, bot: BotIdentity): boolean {
  if (m.key === '@_all') return false;
  if (bot.openId) return m.openId === bot.openId;
  if (bot.name) return m.name === bot.name;
  // Identity unknown: without the "read all group messages" scope Feishu only delivers group
  // messages that @ the bot, so any mention is taken as ours.
  return true;
}

/** Rich-text content arrives either bare ({title, content}) or wrapped per language ({zh_cn: {…}}). */
function postBody(content: unknown): { title?: string; rows: unknown[][] } {
  const c = rec(content);
  if (Array.isArray(c.content)) return { title: str(c.title), rows: c.content.filter(Array.isArray) as unknown[][] };
  for (const value of Object.values(c)) {
    const inner = rec(value);
    if (Array.isArray(inner.content)) return { title: str(inner.title), rows: inner.content.filter(Array.isArray) as unknown[][] };
  }
  return { rows: [] };
}

export function parseReceiveEvent(data: unknown, bot: BotIdentity): ParsedMessage | null {
  const d = rec(data);
  const message = rec(d.message);
  const sender = rec(d.sender);
  const messageId = str(message.message_id);
  const chatId = str(message.chat_id);
  if (!messageId || !chatId) return null;

  const mentions: Mention[] = (Array.isArray(message.mentions) ? message.mentions : []).map((m) => {
    const r = rec(m);
    return { key: str(r.key) ?? '', openId: str(rec(r.id).open_id), name: str(r.name) };
  });
  const byKey = new Map(mentions.map((m) => [m.key, m]));
  let mentionsBot = false;
  const resolveMention = (key: string, fallbackName?: string): string => {
    const m = byKey.get(key);
    if (m && isBotMention(m, bot)) {
      mentionsBot = true;
      return ' ';
    }
    if (key === '@_all') return '@all';
    const name = m?.name ?? fallbackName;
    return name ? `@${name}` : '';
  };

  const messageType = str(message.message_type) ?? 'unknown';
  const content = parseJson(message.content);
  const imageKeys: string[] = [];
  const otherFiles: string[] = [];
  let text = '';

  switch (messageType) {
    case 'text':
      text = (str(rec(content).text) ?? '').replace(/@_user_\d+|@_all/g, (key) => resolveMention(key));
      break;
    case 'image': {
      const key = str(rec(content).image_key);
      if (key) imageKeys.push(key);
      break;
    }
    case 'post': {
      const { title, rows } = postBody(content);
      const lines: string[] = title ? [title] : [];
      for (const row of rows) {
        let line = '';
        for (const el of row) {
          const e = rec(el);
          switch (e.tag) {
            case 'text':
            case 'a':
            case 'code_block':
              line += str(e.text) ?? '';
              break;
            case 'at':
              line += resolveMention(str(e.user_id) ?? '', str(e.user_name));
              break;
            case 'img': {
              const key = str(e.image_key);
              if (key) imageKeys.push(key);
              break;
            }
            case 'media':
              otherFiles.push(str(e.file_name) ?? 'video');
              break;
            default:
              break;
          }
        }
        lines.push(line);
      }
      text = lines.join('\n');
      break;
    }
    case 'file':
    case 'media':
    case 'audio':
      otherFiles.push(str(rec(content).file_name) ?? messageType);
      break;
    default:
      break;
  }

  // A mention in the mentions list counts even when the text did not carry its key.
  if (!mentionsBot && messageType !== 'text' && messageType !== 'post') {
    mentionsBot = mentions.some((m) => isBotMention(m, bot));
  }

  const createTime = Number(message.create_time);
  return {
    eventId: str(d.event_id) ?? `message:${messageId}`,
    messageId,
    rootId: str(message.root_id),
    parentId: str(message.parent_id),
    topicId: str(message.thread_id),
    chatId,
    chatType: str(message.chat_type) ?? 'group',
    tenantKey: str(d.tenant_key) ?? str(sender.tenant_key) ?? '',
    senderOpenId: str(rec(sender.sender_id).open_id) ?? '',
    senderType: str(sender.sender_type) ?? 'user',
    messageType,
    text: text.replace(/[ \t]+/g, ' ').replace(/ *\n */g, '\n').trim(),
    imageKeys,
    otherFiles,
    mentionsBot,
    createTime: Number.isFinite(createTime) && createTime > 0 ? createTime : undefined,
  };
}

/** card.action.trigger (schema 2.0 callbacks, webhook or long connection). */
export function parseCardAction(data: unknown): ParsedCardAction | null {
  const d = rec(data);
  const context = rec(d.context);
  const action = rec(d.action);
  const operator = rec(d.operator);
  const messageId = str(context.open_message_id) ?? str(d.open_message_id);
  const chatId = str(context.open_chat_id) ?? str(d.open_chat_id);
  const operatorOpenId = str(operator.open_id) ?? str(d.open_id);
  if (!messageId || !chatId || !operatorOpenId) return null;

  const value = rec(parseJson(action.value));
  const actionId = str(value.a);
  const selectId = str(value.s);
  let selected: string[] | undefined;
  const form = rec(action.form_value);
  const fromForm = selectId ? form[SELECT_FIELD] : undefined;
  if (Array.isArray(fromForm)) selected = fromForm.filter((v): v is string => typeof v === 'string');
  else if (typeof fromForm === 'string' && fromForm) selected = [fromForm];
  else if (Array.isArray(action.options)) selected = action.options.filter((v): v is string => typeof v === 'string');
  else if (str(action.option)) selected = [action.option as string];

  return {
    eventId: str(d.event_id) ?? `card:${messageId}:${str(d.token) ?? Date.now()}`,
    messageId,
    chatId,
    tenantKey: str(d.tenant_key) ?? str(operator.tenant_key) ?? '',
    operatorOpenId,
    actionId,
    selectId,
    selected,
  };
}

/** Form field name of the engine's select inside a card (one select per card). */
export const SELECT_FIELD = 'cie_select';
