import type * as lark from '@larksuiteoapi/node-sdk';
import { LRUCache } from 'lru-cache';
import type { ActionEvent, Deliver, ImageRef, IncomingMessage, ThreadQuery, ThreadRef } from '../../engine/types.js';
import { detectTextLocale, t, type Locale } from '../../i18n/index.js';
import type { Logger } from '../../util/logger.js';
import { AckGate } from '../ack.js';
import type { FeishuAdapter, FeishuReplyContext } from './adapter.js';
import { parseCardAction, parseReceiveEvent, type BotIdentity } from './parse.js';

const IDENTITY_RETRY_MS = 60_000;

/** Feishu message ids: the image of one message is downloaded through its message. */
function imageOf(messageId: string, key: string): ImageRef {
  return { id: key, meta: { messageId } };
}

/**
 * Feishu events in, engine calls out. A handler returns (and the SDK acknowledges) once the event is
 * stored in the engine's inbox, within Feishu's 3 s; the engine's work continues in the background.
 * One that could not be stored in time (or while stopping) throws: not acknowledged, Feishu pushes
 * it again. A message's event id is its message_id, so a re-push (or the same message under two
 * event ids) is one event.
 */
export class FeishuEventRouter {
  private identity: BotIdentity = {};
  private identityLoadedAt = 0;
  private readonly threadLocales = new LRUCache<string, Locale>({ max: 10_000 });
  /** Last selection passed to the engine per card and select, so a later click does not resend it. */
  private readonly lastSelection = new LRUCache<string, string>({ max: 10_000 });
  private stopped = false;
  private readonly gate = new AckGate();
  private readonly deliver: Deliver;

  constructor(
    private readonly opts: {
      deliver: Deliver;
      threads: ThreadQuery;
      background: <T>(work: Promise<T>) => Promise<T>;
      adapter: FeishuAdapter;
      client: lark.Client;
      logger: Logger;
      defaultLocale: Locale;
    },
  ) {
    this.deliver = this.gate.wrap(opts.deliver);
  }

  /** The bot's own open_id tells "@bot" from "@colleague" in group messages. */
  async loadIdentity(): Promise<void> {
    this.identityLoadedAt = Date.now();
    try {
      const body = (await this.opts.client.request({ method: 'GET', url: '/open-apis/bot/v3/info' })) as {
        code?: number;
        bot?: { open_id?: string; app_name?: string };
      };
      if (body?.code === 0 && body.bot?.open_id) this.identity = { openId: body.bot.open_id, name: body.bot.app_name };
    } catch (err) {
      this.opts.logger.warn({ err: String(err) }, 'feishu bot info unavailable; any @-mention in a group counts as ours');
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs the work that stores the event; throws (no acknowledgement) unless it was stored in time. */
  private async acknowledgeOnceStored(work: () => Promise<void>): Promise<void> {
    const stored = await this.gate.stored(
      () => work().catch((err: unknown) => {
        this.opts.logger.error({ err }, 'feishu event handling failed');
        throw err;
      }),
      this.opts.background,
    );
    if (!stored) throw new Error('feishu event not stored in time: not acknowledged, Feishu pushes it again');
  }

  private localeFor(thread: string, text: string): Locale {
    const remembered = this.threadLocales.get(thread);
    const locale = /[A-Za-z\u3400-\u9fff]/.test(text) ? detectTextLocale(text, this.opts.defaultLocale) : (remembered ?? this.opts.defaultLocale);
    this.threadLocales.set(thread, locale);
    return locale;
  }

  async onMessage(data: unknown): Promise<void> {
    if (this.stopped) throw new Error('feishu bot is stopping: not acknowledged');
    if (!this.identity.openId && Date.now() - this.identityLoadedAt > IDENTITY_RETRY_MS) void this.loadIdentity();
    const m = parseReceiveEvent(data, this.identity);
    if (!m) return;
    // Our own cards and other bots' messages never start a session.
    if (m.senderType !== 'user') return;
    if (!m.text && m.imageKeys.length === 0 && m.otherFiles.length === 0) return;

    const thread: ThreadRef = { platform: 'feishu', workspace: m.tenantKey, channel: m.chatId, thread: m.rootId ?? m.messageId };
    if (m.topicId) this.opts.adapter.rememberTopic(thread.thread);
    this.opts.adapter.rememberChatType(m.chatId, m.chatType);
    // Only messages addressed to the bot are answered: a direct chat, an @-mention, a reply to one of
    // the bot's cards, or a message in a reply chain where the bot is editing. With the optional
    // "read all group messages" scope Feishu also delivers everything else: a photo posted in a group
    // without @bot is somebody else's conversation.
    const direct = m.chatType === 'p2p' || m.mentionsBot;
    if (!direct && !m.rootId && !m.parentId) return;

    const adapter = this.opts.adapter;
    const images: ImageRef[] = m.imageKeys.map((key) => imageOf(m.messageId, key));
    const message: IncomingMessage = {
      platform: 'feishu',
      eventId: m.messageId,
      thread,
      user: { id: m.senderOpenId },
      locale: this.localeFor(thread.thread, m.text),
      text: m.text,
      images,
      otherFiles: m.otherFiles.length ? m.otherFiles : undefined,
      receivedAt: m.createTime ?? Date.now(),
    };
    // The answer quotes the message that asked, not the root of its chain (often the photo before it).
    const replyTo = { feishu: { replyTo: m.messageId } } satisfies FeishuReplyContext;
    const { threads } = this.opts;
    const deliver = this.deliver;
    await this.acknowledgeOnceStored(async () => {
      const active = await threads.isActive(thread);
      const addressed = direct || active || (m.parentId !== undefined && (await adapter.isOwnMessage(m.parentId)));
      if (!addressed) return;
      // "@bot make it brighter" as a reply to a photo outside any session: that photo is meant.
      if (!active && images.length === 0 && m.parentId && m.text) {
        const parentId = m.parentId;
        for (const key of await adapter.imagesOfMessage(parentId)) images.push(imageOf(parentId, key));
      }
      await deliver({ kind: 'message', message }, replyTo);
    });
  }

  /** Answers with a toast at once (in the viewer's language); the engine acts afterwards. */
  async onCardAction(data: unknown): Promise<Record<string, unknown> | undefined> {
    if (this.stopped) throw new Error('feishu bot is stopping: not acknowledged');
    const a = parseCardAction(data);
    if (!a) return undefined;
    const toast = {
      toast: {
        type: 'info',
        content: t(this.opts.defaultLocale, 'feishu.action_received'),
        i18n: { zh_cn: t('zh-CN', 'feishu.action_received'), en_us: t('en', 'feishu.action_received') },
      },
    };
    const { adapter } = this.opts;
    const deliver = this.deliver;
    await this.acknowledgeOnceStored(async () => {
      const thread = await adapter.threadOfMessage(a.messageId, a.chatId, a.tenantKey);
      const base: Omit<ActionEvent, 'eventId' | 'actionId'> = {
        platform: 'feishu',
        thread,
        user: { id: a.operatorOpenId },
        // Unknown after a restart: then the engine keeps the session's own language.
        locale: this.threadLocales.get(thread.thread),
        message: { platform: 'feishu', channel: a.chatId, thread: thread.thread, id: a.messageId },
      };
      if (a.selectId && a.selected) {
        const key = `${a.messageId}|${a.selectId}`;
        const choice = [...a.selected].sort().join('\u0000');
        const changed = this.lastSelection.get(key) !== choice;
        if (a.actionId === a.selectId || (changed && a.selected.length > 0)) {
          this.lastSelection.set(key, choice);
          await deliver({ kind: 'action', action: { ...base, eventId: `${a.eventId}:select`, actionId: a.selectId, values: a.selected } });
        }
      }
      if (a.actionId && a.actionId !== a.selectId) {
        await deliver({ kind: 'action', action: { ...base, eventId: a.eventId, actionId: a.actionId, values: a.selectId ? undefined : a.selected } });
      }
    });
    return toast;
  }
}
