import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { decryptFeishu, feishuSignature, verifyFeishuSignature } from '../../src/bots/feishu/crypto.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { APP_ID, APP_SECRET, cardActionEvent, encryptFeishu, messageEvent, signedRequest, startFakeFeishu, type FakeFeishu } from './fake-feishu.js';
import { solidPng, StubEngine } from './stub-engine.js';

const KEY = 'webhook-encrypt-key';
const TOKEN = 'verify-token';

describe('Feishu crypto', () => {
  it('decrypts the official vector', () => {
    expect(decryptFeishu('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
  });

  it('round-trips what Feishu encrypts, and refuses a wrong key', () => {
    const sealed = encryptFeishu('k1', '{"type":"url_verification"}');
    expect(decryptFeishu('k1', sealed)).toBe('{"type":"url_verification"}');
    // A wrong key fails the padding check, or (about 1 in 256) passes it with garbage: never the plaintext.
    let wrong: string | undefined;
    try {
      wrong = decryptFeishu('k2', sealed);
    } catch {
      wrong = undefined;
    }
    expect(wrong).not.toBe('{"type":"url_verification"}');
  });

  it('checks sha256(timestamp + nonce + key + body) over the exact bytes', () => {
    const body = Buffer.from('{"encrypt":"abc"}');
    const signature = feishuSignature('1700000000', 'n0nce', KEY, body);
    expect(verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n0nce', signature }, KEY, body)).toBe(true);
    expect(verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n0nce', signature }, KEY, Buffer.from('{"encrypt":"abd"}'))).toBe(false);
    expect(verifyFeishuSignature({ timestamp: '1700000001', nonce: 'n0nce', signature }, KEY, body)).toBe(false);
    expect(verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n0nce' }, KEY, body)).toBe(false);
  });
});

interface Setup {
  fake: FakeFeishu;
  engine: StubEngine;
  bot: TestBot;
  http: HttpServer;
  base: string;
}

async function setup(extra: Record<string, string>): Promise<Setup> {
  const fake = await startFakeFeishu();
  const engine = new StubEngine();
  const http = new HttpServer();
  const env = readEnv({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: APP_SECRET, FEISHU_DOMAIN: fake.url, FEISHU_MODE: 'webhook', ...extra });
  const bot = await startTestBot('feishu', { env, engine, http, logger: getLogger() });
  const addr = await http.listen('127.0.0.1', 0);
  return { fake, engine, bot, http, base: `http://127.0.0.1:${addr.port}` };
}

async function teardown(s: Setup): Promise<void> {
  await s.bot.stop();
  await s.http.close();
  await s.fake.close();
}

function post(s: Setup, path: string, req: { body: string; headers: Record<string, string> }): Promise<Response> {
  return fetch(`${s.base}${path}`, { method: 'POST', body: req.body, headers: req.headers });
}

function plain(payload: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } };
}

/** A valid photo message; once the engine has it, anything sent before it has been decided on. */
async function flush(s: Setup, signed: (p: unknown) => { body: string; headers: Record<string, string> }, n: number): Promise<void> {
  // A photo in a direct chat: addressed to the bot without a mention.
  s.fake.messages.set(`om_flush_${n}`, { message_id: `om_flush_${n}`, chat_id: 'oc_p2p_flush', msg_type: 'image', content: '{}' });
  s.fake.resources.set(`om_flush_${n}/img_flush`, await solidPng(1, 2, 3));
  const res = await post(s, '/feishu/events', signed(messageEvent({ eventId: `ev_flush_${n}`, messageId: `om_flush_${n}`, chatId: 'oc_p2p_flush', chatType: 'p2p', messageType: 'image', content: { image_key: 'img_flush' } })));
  expect(res.status).toBe(200);
  await vi.waitFor(() => expect(s.engine.messages.some((m) => m.message.eventId === `om_flush_${n}`)).toBe(true));
}

describe('Feishu webhook mode with an encrypt key', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ FEISHU_ENCRYPT_KEY: KEY, FEISHU_VERIFICATION_TOKEN: TOKEN });
  });
  afterEach(async () => teardown(s));
  const signed = (p: unknown) => signedRequest(p, { encryptKey: KEY });

  it('answers the encrypted url_verification challenge (unsigned, as Feishu sends it)', async () => {
    const body = JSON.stringify({ encrypt: encryptFeishu(KEY, JSON.stringify({ challenge: 'ch-123', token: TOKEN, type: 'url_verification' })) });
    for (const path of ['/feishu/events', '/feishu/card']) {
      const res = await post(s, path, { body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ challenge: 'ch-123' });
    }
  });

  it('refuses a challenge that is not encrypted with the key or carries the wrong token', async () => {
    const cases = [
      plain({ challenge: 'ch', token: TOKEN, type: 'url_verification' }),
      { body: JSON.stringify({ encrypt: encryptFeishu('other-key', JSON.stringify({ challenge: 'ch', token: TOKEN, type: 'url_verification' })) }), headers: { 'content-type': 'application/json' } },
      { body: JSON.stringify({ encrypt: encryptFeishu(KEY, JSON.stringify({ challenge: 'ch', token: 'wrong', type: 'url_verification' })) }), headers: { 'content-type': 'application/json' } },
    ];
    for (const c of cases) expect((await post(s, '/feishu/events', c)).status).toBe(401);
  });

  it('refuses forged, unsigned, tampered and wrong-token events and card callbacks with 401, engine untouched', async () => {
    const event = messageEvent({ eventId: 'ev_forged', messageId: 'om_forged', chatType: 'p2p', messageType: 'text', content: { text: 'hi' } });
    const click = cardActionEvent({ eventId: 'ev_forged_click', messageId: 'om_any', value: { a: 'act_run_all' } });

    const forged = signedRequest(event, { encryptKey: KEY, signWith: 'guessed-key' });
    expect((await post(s, '/feishu/events', forged)).status).toBe(401);

    const unsigned = signedRequest(event, { encryptKey: KEY });
    expect((await post(s, '/feishu/events', { body: unsigned.body, headers: { 'content-type': 'application/json' } })).status).toBe(401);

    const tampered = signedRequest(event, { encryptKey: KEY });
    const other = signedRequest(messageEvent({ eventId: 'ev_other', messageId: 'om_other', chatType: 'p2p', messageType: 'text', content: { text: 'evil' } }), { encryptKey: KEY });
    expect((await post(s, '/feishu/events', { body: other.body, headers: tampered.headers })).status).toBe(401);

    const wrongToken = signedRequest({ ...event, header: { ...(event.header as object), token: 'wrong' } }, { encryptKey: KEY });
    expect((await post(s, '/feishu/events', wrongToken)).status).toBe(401);

    const wrongKey = signedRequest(event, { encryptKey: 'other-key', signWith: KEY });
    expect((await post(s, '/feishu/events', wrongKey)).status).toBe(401);

    expect((await post(s, '/feishu/card', signedRequest(click, { encryptKey: KEY, signWith: 'guessed' }))).status).toBe(401);
    const clickWrongToken = cardActionEvent({ eventId: 'ev_click_tok', messageId: 'om_any', value: { a: 'act_run_all' }, token: 'nope' });
    expect((await post(s, '/feishu/card', signed(clickWrongToken))).status).toBe(401);
    expect((await post(s, '/feishu/card', plain(click))).status).toBe(401);

    await flush(s, signed, 1);
    expect(s.engine.messages.map((m) => m.message.eventId)).toEqual(['om_flush_1']);
    expect(s.engine.actions).toEqual([]);
    // Nothing was sent for the forged requests: the only reply is the flush's proposal.
    await vi.waitFor(() => expect(s.fake.sent).toHaveLength(1));
    expect(s.fake.sent[0].parent_id).toBe('om_flush_1');
  });

  it('ignores group chatter, other bots, and mentions of other people; p2p needs no mention', async () => {
    const other = { key: '@_user_1', openId: 'ou_colleague', name: 'Colleague' };
    const events = [
      messageEvent({ eventId: 'ev_g1', messageId: 'om_g1', messageType: 'text', content: { text: 'lunch?' } }),
      messageEvent({ eventId: 'ev_g2', messageId: 'om_g2', messageType: 'text', content: { text: '@_user_1 look' }, mentions: [other] }),
      messageEvent({ eventId: 'ev_g3', messageId: 'om_g3', messageType: 'image', content: { image_key: 'k' }, senderType: 'app' }),
      // A photo posted in the group without @bot (delivered with the optional im:message.group_msg scope): not ours.
      messageEvent({ eventId: 'ev_g4', messageId: 'om_g4', messageType: 'image', content: { image_key: 'img_g4' } }),
      messageEvent({ eventId: 'ev_g5', messageId: 'om_g5', messageType: 'post', content: { title: '', content: [[{ tag: 'img', image_key: 'img_g5' }], [{ tag: 'text', text: 'my holiday' }]] } }),
    ];
    // Bot identity is loaded at start; a first round trip makes sure it has arrived.
    await flush(s, signed, 20);
    for (const e of events) expect((await post(s, '/feishu/events', signed(e))).status).toBe(200);
    s.fake.messages.set('om_p2p', { message_id: 'om_p2p', chat_id: 'oc_p2p', msg_type: 'text', content: '{}' });
    await post(s, '/feishu/events', signed(messageEvent({ eventId: 'ev_p2p', messageId: 'om_p2p', chatId: 'oc_p2p', chatType: 'p2p', messageType: 'text', content: { text: 'change the shirt to white' } })));
    await flush(s, signed, 2);
    expect(s.engine.messages.map((m) => m.message.eventId)).toEqual(['om_flush_20', 'om_p2p', 'om_flush_2']);
    expect(s.engine.messages[1].message).toMatchObject({ text: 'change the shirt to white', locale: 'en', thread: { channel: 'oc_p2p', thread: 'om_p2p' } });
  });

  it('"@bot …" in reply to a colleague\'s photo edits that photo', async () => {
    const photo = await solidPng(9, 99, 199);
    s.fake.messages.set('om_photo', { message_id: 'om_photo', chat_id: 'oc_group_1', msg_type: 'image', content: JSON.stringify({ image_key: 'img_p' }) });
    s.fake.resources.set('om_photo/img_p', photo);
    s.fake.messages.set('om_reply', { message_id: 'om_reply', root_id: 'om_photo', parent_id: 'om_photo', chat_id: 'oc_group_1', msg_type: 'text', content: '{}' });
    const mention = { key: '@_user_1', openId: 'ou_bot_0000', name: 'Photo Bot' };
    await post(s, '/feishu/events', signed(messageEvent({ eventId: 'ev_reply', messageId: 'om_reply', rootId: 'om_photo', messageType: 'text', content: { text: '@_user_1 调亮一点' }, mentions: [mention] })));
    await vi.waitFor(() => expect(s.engine.messages).toHaveLength(1));
    expect(s.engine.messages[0].message).toMatchObject({ text: '调亮一点', locale: 'zh-CN', thread: { thread: 'om_photo' } });
    expect(s.engine.messages[0].image?.equals(photo)).toBe(true);
  });

  it('a click on "Run selected" passes the chosen options, then the button', async () => {
    await flush(s, signed, 3);
    await vi.waitFor(() => expect(s.fake.sent).toHaveLength(1));
    const card = s.fake.sent[0].message_id;
    const res = await post(
      s,
      '/feishu/card',
      signed(cardActionEvent({ eventId: 'ev_sel', messageId: card, value: { a: 'act_run_all', s: 'act_select' }, formValue: { cie_select: ['c1'] } })),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { toast: { i18n: Record<string, string> } }).toast.i18n).toEqual({ zh_cn: '收到，正在处理…', en_us: 'Got it, working on it…' });
    await vi.waitFor(() => expect(s.engine.actions.map((a) => a.actionId)).toEqual(['act_select', 'act_run_all']));
    expect(s.engine.actions[0].values).toEqual(['c1']);
    expect(s.engine.actions[1].message?.id).toBe(card);
  });
});

describe('Feishu webhook mode without an encrypt key', () => {
  it('checks the verification token of plaintext pushes', async () => {
    const s = await setup({ FEISHU_VERIFICATION_TOKEN: TOKEN });
    try {
      const res = await post(s, '/feishu/events', plain({ challenge: 'c1', token: TOKEN, type: 'url_verification' }));
      expect(await res.json()).toEqual({ challenge: 'c1' });
      expect((await post(s, '/feishu/events', plain({ challenge: 'c1', token: 'bad', type: 'url_verification' }))).status).toBe(401);
      const event = messageEvent({ eventId: 'ev_t', messageId: 'om_t', chatType: 'p2p', messageType: 'text', content: { text: 'hi' }, token: 'bad' });
      expect((await post(s, '/feishu/events', plain(event))).status).toBe(401);
      // An encrypted body cannot be read without the key: refused.
      expect((await post(s, '/feishu/events', signedRequest(event, { encryptKey: 'x' }))).status).toBe(401);
      await flush(s, plain, 4);
      expect(s.engine.messages.map((m) => m.message.eventId)).toEqual(['om_flush_4']);
    } finally {
      await teardown(s);
    }
  });

  it('refuses everything when neither token nor key is configured', async () => {
    const s = await setup({});
    try {
      expect((await post(s, '/feishu/events', plain({ challenge: 'c', type: 'url_verification' }))).status).toBe(401);
      expect((await post(s, '/feishu/events', plain(messageEvent({ eventId: 'e', messageId: 'm', chatType: 'p2p', messageType: 'text', content: { text: 'x' } })))).status).toBe(401);
      expect((await s.bot.health()).state).toBe('down');
    } finally {
      await teardown(s);
    }
  });
});
