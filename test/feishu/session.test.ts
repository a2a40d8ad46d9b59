import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import {
  APP_ID,
  APP_SECRET,
  BOT_OPEN_ID,
  cardActionEvent,
  messageEvent,
  signedRequest,
  startFakeFeishu,
  type FakeFeishu,
} from './fake-feishu.js';
import { solidPng, StubEngine } from './stub-engine.js';

const ENCRYPT_KEY = 'encrypt-key-for-tests';
const VERIFY_TOKEN = 'verify-token';

type Push = (payload: Record<string, unknown>) => Promise<unknown>;

interface Card {
  schema: string;
  config: { update_multi: boolean };
  body: { elements: Record<string, unknown>[] };
}

function allElements(elements: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const el of list as Record<string, unknown>[]) {
      out.push(el);
      walk(el.elements);
      walk(el.columns);
    }
  };
  walk(elements);
  return out;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The whole conversation, whatever carries the events: photo + @mention → card → run → undo. */
async function runSession(fake: FakeFeishu, engine: StubEngine, push: Push): Promise<void> {
  const photo = await solidPng(200, 40, 40);
  fake.messages.set('om_user_1', { message_id: 'om_user_1', chat_id: 'oc_group_1', msg_type: 'post', content: '{}' });
  fake.resources.set('om_user_1/img_user_1', photo);

  // A rich-text message carrying the photo and "@Photo Bot 把背景换成海滩".
  await push(
    messageEvent({
      eventId: 'ev_msg_1',
      messageId: 'om_user_1',
      messageType: 'post',
      content: {
        title: '',
        content: [
          [
            { tag: 'at', user_id: '@_user_1', user_name: 'Photo Bot' },
            { tag: 'text', text: ' 把背景换成海滩' },
          ],
          [{ tag: 'img', image_key: 'img_user_1', width: 32, height: 32 }],
        ],
      },
      mentions: [{ key: '@_user_1', openId: BOT_OPEN_ID, name: 'Photo Bot' }],
    }),
  );
  await vi.waitFor(() => expect(fake.sent).toHaveLength(1), { timeout: 10_000 });

  expect(engine.messages).toHaveLength(1);
  const incoming = engine.messages[0].message;
  expect(incoming.text).toBe('把背景换成海滩');
  expect(incoming.locale).toBe('zh-CN');
  expect(incoming.thread).toMatchObject({ platform: 'feishu', channel: 'oc_group_1', thread: 'om_user_1' });
  expect(engine.messages[0].image?.equals(photo)).toBe(true);

  // The answer: a reply in the chain, an interactive card 2.0 with the uploaded image, buttons and a multi-select.
  const proposal = fake.sent[0];
  expect(proposal.parent_id).toBe('om_user_1');
  expect(proposal.msg_type).toBe('interactive');
  const card = JSON.parse(proposal.content) as Card;
  expect(card.schema).toBe('2.0');
  expect(card.config.update_multi).toBe(true);
  const els = allElements(card.body.elements);
  const img = els.find((e) => e.tag === 'img') as { img_key: string };
  expect(fake.uploads.get(img.img_key)?.equals(photo)).toBe(true);
  const buttons = els.filter((e) => e.tag === 'button') as { behaviors: { type: string; value: Record<string, string> }[] }[];
  expect(buttons.map((b) => b.behaviors[0].value.a)).toEqual(['act_run_all', 'act_undo']);
  const select = els.find((e) => e.tag === 'multi_select_static') as { options: { value: string }[] };
  expect(select.options.map((o) => o.value)).toEqual(['c0', 'c1']);

  // Click "Run all": the callback is answered with a toast; the card is then patched with the edit.
  const answer = (await push(cardActionEvent({ eventId: 'ev_click_1', messageId: proposal.message_id, value: buttons[0].behaviors[0].value }))) as {
    toast?: { type: string; content: string };
  };
  expect(answer.toast?.type).toBe('info');
  expect(answer.toast?.content).toBe('收到，正在处理…');
  await vi.waitFor(() => expect(fake.patches.length).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
  await vi.waitFor(() => {
    const last = JSON.parse(fake.patches.at(-1)!.content) as Card;
    const key = (allElements(last.body.elements).find((e) => e.tag === 'img') as { img_key?: string } | undefined)?.img_key;
    expect(key && fake.uploads.get(key)?.equals(engine.edited!)).toBe(true);
  });
  expect(fake.patches.every((p) => p.message_id === proposal.message_id)).toBe(true);
  expect(engine.actions[0]).toMatchObject({ actionId: 'act_run_all', thread: { thread: 'om_user_1' }, user: { id: 'ou_user_1' } });

  // Undo: the card shows the original photo again.
  const before = fake.patches.length;
  await push(cardActionEvent({ eventId: 'ev_click_2', messageId: proposal.message_id, value: { a: 'act_undo' } }));
  await vi.waitFor(() => expect(fake.patches.length).toBeGreaterThan(before));
  const undone = JSON.parse(fake.patches.at(-1)!.content) as Card;
  const undoKey = (allElements(undone.body.elements).find((e) => e.tag === 'img') as { img_key: string }).img_key;
  expect(fake.uploads.get(undoKey)?.equals(photo)).toBe(true);

  // A re-pushed event (same event id) does nothing the second time.
  await push(cardActionEvent({ eventId: 'ev_click_2', messageId: proposal.message_id, value: { a: 'act_undo' } }));
  await push(
    messageEvent({ eventId: 'ev_msg_1', messageId: 'om_user_1', messageType: 'image', content: { image_key: 'img_user_1' } }),
  );

  // A follow-up in the reply chain without a mention continues the session.
  fake.messages.set('om_user_2', { message_id: 'om_user_2', root_id: 'om_user_1', chat_id: 'oc_group_1', msg_type: 'text', content: '{}' });
  await push(messageEvent({ eventId: 'ev_msg_2', messageId: 'om_user_2', rootId: 'om_user_1', messageType: 'text', content: { text: 'make it brighter' } }));
  await vi.waitFor(() => expect(engine.messages).toHaveLength(2));
  expect(engine.messages[1].message).toMatchObject({ text: 'make it brighter', locale: 'en', thread: { thread: 'om_user_1' } });
  await vi.waitFor(() => expect(fake.sent).toHaveLength(2));
  expect(fake.sent[1].root_id).toBe('om_user_1');
  expect(engine.actions.map((a) => a.actionId)).toEqual(['act_run_all', 'act_undo']);
}

describe('Feishu bot, whole session against the loopback Open Platform', () => {
  it('long-connection mode (WSClient and protobuf frames)', async () => {
    const fake = await startFakeFeishu();
    cleanups.push(() => fake.close());
    const engine = new StubEngine();
    const env = readEnv({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: APP_SECRET, FEISHU_DOMAIN: fake.url });
    const bot: TestBot = await startTestBot('feishu', { env, engine, http: new HttpServer(), logger: getLogger() });
    cleanups.push(() => bot.stop());
    await vi.waitFor(() => expect(fake.wsConnections()).toBe(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await bot.health()).state).toBe('ok'));

    await runSession(fake, engine, async (payload) => {
      const answer = await fake.pushWs(payload);
      expect(answer.code).toBe(200);
      return answer.data ?? {};
    });
  });

  it('webhook mode (encrypted, signed pushes to /feishu/events and /feishu/card)', async () => {
    const fake = await startFakeFeishu();
    cleanups.push(() => fake.close());
    const engine = new StubEngine();
    const http = new HttpServer();
    const env = readEnv({
      FEISHU_APP_ID: APP_ID,
      FEISHU_APP_SECRET: APP_SECRET,
      FEISHU_DOMAIN: fake.url,
      FEISHU_MODE: 'webhook',
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      FEISHU_VERIFICATION_TOKEN: VERIFY_TOKEN,
    });
    const bot = await startTestBot('feishu', { env, engine, http, logger: getLogger() });
    cleanups.push(() => bot.stop());
    const addr = await http.listen('127.0.0.1', 0);
    cleanups.push(() => http.close());
    const base = `http://127.0.0.1:${addr.port}`;

    await runSession(fake, engine, async (payload) => {
      const isCard = (payload.header as { event_type: string }).event_type === 'card.action.trigger';
      const { body, headers } = signedRequest(payload, { encryptKey: ENCRYPT_KEY });
      const res = await fetch(`${base}${isCard ? '/feishu/card' : '/feishu/events'}`, { method: 'POST', body, headers });
      expect(res.status).toBe(200);
      return res.json();
    });
  });
});
