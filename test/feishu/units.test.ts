import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FeishuAdapter } from '../../src/bots/feishu/adapter.js';
import { renderCard } from '../../src/bots/feishu/card.js';
import { ChatQueues, WindowLimiter } from '../../src/bots/feishu/chat-queue.js';
import { isLarkDomain, resolveFeishuDomain } from '../../src/bots/feishu/client.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { parseCardAction, parseReceiveEvent } from '../../src/bots/feishu/parse.js';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { APP_ID, APP_SECRET, startFakeFeishu } from './fake-feishu.js';
import { StubEngine } from './stub-engine.js';

function flat(event: Record<string, unknown>): Record<string, unknown> {
  return { event_id: 'ev1', tenant_key: 't1', ...event };
}

function msg(message: Record<string, unknown>, mentions: unknown[] = []): Record<string, unknown> {
  return flat({
    sender: { sender_id: { open_id: 'ou_u' }, sender_type: 'user' },
    message: { message_id: 'om_1', chat_id: 'oc_1', chat_type: 'group', mentions, ...message },
  });
}

describe('Feishu message parsing', () => {
  const bot = { openId: 'ou_bot', name: 'Photo Bot' };
  const botMention = { key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'Photo Bot' };
  const colleague = { key: '@_user_2', id: { open_id: 'ou_c' }, name: 'Li' };

  it('removes the bot mention, keeps others as @name', () => {
    const m = parseReceiveEvent(msg({ message_type: 'text', content: JSON.stringify({ text: '@_user_1 ask @_user_2 about 背景' }) }, [botMention, colleague]), bot);
    expect(m).toMatchObject({ text: 'ask @Li about 背景', mentionsBot: true, imageKeys: [] });
  });

  it('a mention of someone else is not a mention of the bot', () => {
    const m = parseReceiveEvent(msg({ message_type: 'text', content: JSON.stringify({ text: '@_user_2 hi' }) }, [colleague]), bot);
    expect(m?.mentionsBot).toBe(false);
  });

  it('reads rich text wrapped per language, with images, mentions and videos', () => {
    const content = {
      zh_cn: {
        title: '修图',
        content: [
          [
            { tag: 'at', user_id: '@_user_1', user_name: 'Photo Bot' },
            { tag: 'text', text: '上衣改为白色' },
          ],
          [{ tag: 'img', image_key: 'img_a' }, { tag: 'img', image_key: 'img_b' }],
          [{ tag: 'media', file_key: 'f', file_name: 'clip.mp4' }],
        ],
      },
    };
    const m = parseReceiveEvent(msg({ message_type: 'post', content: JSON.stringify(content), root_id: 'om_root', thread_id: 'omt_1' }, [botMention]), bot);
    expect(m).toMatchObject({ text: '修图\n上衣改为白色', imageKeys: ['img_a', 'img_b'], otherFiles: ['clip.mp4'], mentionsBot: true, rootId: 'om_root', topicId: 'omt_1' });
  });

  it('files become names the engine can explain; broken content is survivable', () => {
    expect(parseReceiveEvent(msg({ message_type: 'file', content: JSON.stringify({ file_key: 'f', file_name: 'a.pdf' }) }), bot)?.otherFiles).toEqual(['a.pdf']);
    expect(parseReceiveEvent(msg({ message_type: 'text', content: '{not json' }), bot)?.text).toBe('');
    expect(parseReceiveEvent(flat({ message: {} }), bot)).toBeNull();
  });

  it('reads card callbacks: button value, form selection, select options', () => {
    const base = { event_id: 'e1', operator: { open_id: 'ou_u' }, context: { open_message_id: 'om_card', open_chat_id: 'oc_1' } };
    expect(parseCardAction({ ...base, action: { tag: 'button', value: { a: 'x1' } } })).toMatchObject({ actionId: 'x1', messageId: 'om_card', chatId: 'oc_1' });
    expect(parseCardAction({ ...base, action: { tag: 'button', value: { a: 'run', s: 'sel' }, form_value: { cie_select: ['c0', 'c2'] } } })).toMatchObject({
      actionId: 'run',
      selectId: 'sel',
      selected: ['c0', 'c2'],
    });
    expect(parseCardAction({ ...base, action: { tag: 'multi_select_static', value: { a: 'sel' }, options: ['c1'] } })).toMatchObject({ actionId: 'sel', selected: ['c1'] });
    expect(parseCardAction({ action: { value: { a: 'x' } } })).toBeNull();
  });
});

describe('Feishu cards', () => {
  it('renders text as plain text (no @all smuggling), buttons with callbacks, progress and a shared config', () => {
    const card = renderCard(
      {
        text: 'hello <at id=all></at> **bold**',
        buttons: [[{ id: 'b1', label: 'Run all', style: 'primary' }, { id: 'b2', label: 'Cancel', style: 'danger' }]],
        progress: { state: 'running', fraction: 0.42 },
        locale: 'en',
      },
      [],
    ) as { config: { update_multi: boolean }; header: { template: string; title: { content: string } }; body: { elements: Record<string, unknown>[] } };
    expect(card.config.update_multi).toBe(true);
    expect(card.header).toMatchObject({ template: 'blue', title: { content: 'Photo editor' } });
    const [text, progress, row] = card.body.elements as [{ text: { tag: string; content: string } }, { text: { content: string } }, { columns: { elements: Record<string, unknown>[] }[] }];
    expect(text.text).toEqual({ tag: 'plain_text', content: 'hello <at id=all></at> **bold**' });
    expect(progress.text.content).toContain('42%');
    expect(row.columns.map((c) => c.elements[0])).toMatchObject([
      { tag: 'button', type: 'primary_filled', behaviors: [{ type: 'callback', value: { a: 'b1' } }] },
      { tag: 'button', type: 'danger', behaviors: [{ type: 'callback', value: { a: 'b2' } }] },
    ]);
    expect(JSON.stringify(card)).not.toContain('form_action_type');
  });

  it('puts a select into a form whose submit carries the select id; Chinese by default', () => {
    const card = renderCard(
      { text: '选择', select: { id: 'sel1', placeholder: '选', minValues: 1, maxValues: 1, options: [{ value: 'v', label: 'L' }] }, locale: 'zh-CN' },
      [],
    ) as { header: { title: { content: string } }; body: { elements: { tag: string; elements?: Record<string, unknown>[] }[] } };
    expect(card.header.title.content).toBe('照片编辑');
    const form = card.body.elements.find((e) => e.tag === 'form')!;
    expect(form.elements?.[0]).toMatchObject({ tag: 'select_static', name: 'cie_select' });
    expect(JSON.stringify(form.elements?.[1])).toContain('"form_action_type":"submit"');
    expect(JSON.stringify(form.elements?.[1])).toContain('运行所选');
  });
});

describe('Feishu domains', () => {
  it('resolves feishu, lark and custom base URLs', () => {
    expect(resolveFeishuDomain(undefined)).toBe('https://open.feishu.cn');
    expect(resolveFeishuDomain('lark')).toBe('https://open.larksuite.com');
    expect(resolveFeishuDomain('http://127.0.0.1:9999/')).toBe('http://127.0.0.1:9999');
    expect(resolveFeishuDomain('open.example.com')).toBe('https://open.example.com');
    expect(isLarkDomain(resolveFeishuDomain('lark'))).toBe(true);
  });
});

describe('Feishu per-chat send queue', () => {
  afterEach(() => vi.useRealTimers());

  it('paces sends at 5 per window per chat, one request at a time; other chats are not held up', async () => {
    vi.useFakeTimers();
    const queues = new ChatQueues(new WindowLimiter(5, 1200));
    const started: string[] = [];
    const tasks = Array.from({ length: 12 }, (_, i) => queues.run('oc_busy', async () => void started.push(`busy${i}`), { send: true }));
    const other = queues.run('oc_quiet', async () => void started.push('quiet'), { send: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(started.filter((s) => s.startsWith('busy'))).toEqual(['busy0', 'busy1', 'busy2', 'busy3', 'busy4']);
    expect(started).toContain('quiet');
    await vi.advanceTimersByTimeAsync(1200);
    expect(started.filter((s) => s.startsWith('busy'))).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1200);
    await Promise.all([...tasks, other]);
    expect(started.filter((s) => s.startsWith('busy'))).toEqual(Array.from({ length: 12 }, (_, i) => `busy${i}`));
  });

  it('keeps the send window when a chat\'s queue goes idle (sends queued a moment apart are paced too)', async () => {
    vi.useFakeTimers();
    const queues = new ChatQueues(new WindowLimiter(5, 1200));
    const started: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => queues.run('oc_g', async () => void started.push(Date.now() - t0), { send: true })));
    await vi.advanceTimersByTimeAsync(100);
    expect(queues.activeChats).toBe(0);
    const sixth = queues.run('oc_g', async () => void started.push(Date.now() - t0), { send: true });
    await vi.advanceTimersByTimeAsync(500);
    expect(started).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(700);
    await sixth;
    expect(started[5]).toBeGreaterThanOrEqual(1200);
  });
});

describe('Feishu adapter against the fake Open API', () => {
  it('posts into the chat when the message it replies to is gone, and patches with the latest state', async () => {
    const fake = await startFakeFeishu();
    try {
      const client = new lark.Client({ appId: APP_ID, appSecret: APP_SECRET, domain: fake.url, logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} } });
      const adapter = new FeishuAdapter(client, getLogger());
      const ref = await adapter.send({ platform: 'feishu', workspace: 't', channel: 'oc_9', thread: 'om_deleted' }, { text: 'hi', locale: 'en' });
      expect(fake.sent[0]).toMatchObject({ chat_id: 'oc_9', message_id: ref.id });
      expect(fake.sent[0].parent_id).toBeUndefined();

      const updates = ['one', 'two', 'three'].map((text) => adapter.update(ref, { text, locale: 'en' }));
      await Promise.all(updates);
      const texts = fake.patches.map((p) => (JSON.parse(p.content) as { body: { elements: { text: { content: string } }[] } }).body.elements[0].text.content);
      expect(texts.at(-1)).toBe('three');
      expect(texts.length).toBeLessThan(3);
    } finally {
      await fake.close();
    }
  });

  it('ephemeral replies: private card in a group, a normal reply where Feishu has none', async () => {
    const fake = await startFakeFeishu();
    try {
      const client = new lark.Client({ appId: APP_ID, appSecret: APP_SECRET, domain: fake.url, logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} } });
      const adapter = new FeishuAdapter(client, getLogger());
      const user = { id: 'ou_x' };
      adapter.rememberChatType('oc_g', 'group');
      await adapter.sendEphemeral({ platform: 'feishu', workspace: 't', channel: 'oc_g', thread: 'om_a' }, user, { text: 'only you', locale: 'en', kind: 'error' });
      expect(fake.ephemeral).toMatchObject([{ chat_id: 'oc_g', open_id: 'ou_x' }]);
      expect(fake.sent).toHaveLength(0);

      // Feishu refuses (here: the chat is not an ordinary group) → reply in the chat instead.
      adapter.rememberChatType('oc_p2p_wrongly_group', 'group');
      await adapter.sendEphemeral({ platform: 'feishu', workspace: 't', channel: 'oc_p2p_wrongly_group', thread: 'om_b' }, user, { text: 'fallback', locale: 'en' });
      adapter.rememberChatType('oc_dm', 'p2p');
      await adapter.sendEphemeral({ platform: 'feishu', workspace: 't', channel: 'oc_dm', thread: 'om_c' }, user, { text: 'dm', locale: 'en' });
      expect(fake.ephemeral).toHaveLength(1);
      expect(fake.sent.map((m) => m.chat_id)).toEqual(['oc_p2p_wrongly_group', 'oc_dm']);
    } finally {
      await fake.close();
    }
  });

  it('webhook routes answer even when the Open API is unreachable at boot', async () => {
    const http = new HttpServer();
    const env = readEnv({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: APP_SECRET, FEISHU_DOMAIN: 'http://127.0.0.1:9', FEISHU_MODE: 'webhook', FEISHU_VERIFICATION_TOKEN: 'tok' });
    const bot = await startTestBot('feishu', { env, engine: new StubEngine(), http, logger: getLogger() });
    const addr = await http.listen('127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${addr.port}/feishu/events`, { method: 'POST', body: JSON.stringify({ type: 'url_verification', token: 'tok', challenge: 'up' }) });
      expect(await res.json()).toEqual({ challenge: 'up' });
    } finally {
      await bot.stop();
      await http.close();
    }
  });

  it('long-connection health says down when Feishu refuses the credentials', async () => {
    const fake = await startFakeFeishu();
    const env = readEnv({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: 'wrong-secret', FEISHU_DOMAIN: fake.url });
    const bot = await startTestBot('feishu', { env, engine: new StubEngine(), http: new HttpServer(), logger: getLogger() });
    try {
      await vi.waitFor(async () => expect((await bot.health()).state).toBe('down'));
      expect(fake.wsConnections()).toBe(0);
    } finally {
      await bot.stop();
      await fake.close();
    }
  });
});
