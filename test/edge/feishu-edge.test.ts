import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { isFreshTimestamp } from '../../src/bots/feishu/crypto.js';
import { FeishuAdapter, FEISHU_RESOURCE_KEY, pathSegment } from '../../src/bots/feishu/adapter.js';
import { createLarkClient } from '../../src/bots/feishu/client.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { createWebhookHandler } from '../../src/bots/feishu/webhook.js';
import { HttpServer, type RouteRequest } from '../../src/server/http.js';
import { UserFacingError } from '../../src/util/errors.js';
import { getLogger } from '../../src/util/logger.js';
import { APP_ID, APP_SECRET, cardActionEvent, messageEvent, signedRequest, startFakeFeishu, type FakeFeishu } from '../feishu/fake-feishu.js';
import { solidPng, StubEngine } from '../feishu/stub-engine.js';

const KEY = 'edge-encrypt-key';
const TOKEN = 'verify-token';
const nowS = () => Math.floor(Date.now() / 1000);

describe('Feishu webhook replay window', () => {
  let fake: FakeFeishu;
  let bot: TestBot;
  let http: HttpServer;
  let base = '';
  const engine = new StubEngine();

  beforeAll(async () => {
    fake = await startFakeFeishu();
    http = new HttpServer();
    const env = readEnv({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: APP_SECRET, FEISHU_DOMAIN: fake.url, FEISHU_MODE: 'webhook', FEISHU_ENCRYPT_KEY: KEY, FEISHU_VERIFICATION_TOKEN: TOKEN });
    bot = await startTestBot('feishu', { env, engine, http, logger: getLogger() });
    base = `http://127.0.0.1:${(await http.listen('127.0.0.1', 0)).port}`;
  });

  afterAll(async () => {
    await bot?.stop();
    await http?.close();
    await fake?.close();
  });

  const event = (id: string) => messageEvent({ eventId: id, messageId: `om_${id}`, chatType: 'p2p', messageType: 'text', content: { text: 'hi' } });
  const post = (req: { body: string; headers: Record<string, string> }) => fetch(`${base}/feishu/events`, { method: 'POST', ...req });

  it('refuses a validly signed event whose timestamp is an hour old, or ten minutes ahead', async () => {
    for (const timestamp of [nowS() - 3600, nowS() - 301, nowS() + 600]) {
      const res = await post(signedRequest(event(`ev_old_${timestamp}`), { encryptKey: KEY, timestamp: String(timestamp) }));
      expect(res.status, String(timestamp)).toBe(401);
    }
    for (const timestamp of ['', 'soon', '1e9', '-5']) {
      expect((await post(signedRequest(event('ev_odd'), { encryptKey: KEY, timestamp }))).status, timestamp).toBe(401);
    }
  });

  it('accepts one inside the five-minute default window', async () => {
    expect((await post(signedRequest(event('ev_recent'), { encryptKey: KEY, timestamp: String(nowS() - 240) }))).status).toBe(200);
  });

  it('answers 400 to an authentic message or card event whose message id has another shape', async () => {
    const before = engine.messages.length + engine.actions.length;
    const bad = [
      messageEvent({ eventId: 'ev_bad_1', messageId: '../../auth/v3/x', chatType: 'p2p', messageType: 'text', content: { text: 'hi' } }),
      messageEvent({ eventId: 'ev_bad_2', messageId: 'om_ok', rootId: 'om_1/../x', chatType: 'p2p', messageType: 'text', content: { text: 'hi' } }),
      cardActionEvent({ eventId: 'ev_bad_3', messageId: 'om_1?x=1', value: { a: 'act_run_all' } }),
      { schema: '2.0', header: { event_id: 'ev_bad_4', token: TOKEN, event_type: 'im.message.receive_v1' }, event: null },
    ];
    for (const payload of bad) {
      const res = await post(signedRequest(payload, { encryptKey: KEY }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^malformed event: /);
    }
    expect(engine.messages.length + engine.actions.length).toBe(before);
  });

  it('takes the window from its option (config bots.signatureMaxAgeSeconds by default)', async () => {
    const clock = 1_800_000_000_000;
    const handler = createWebhookHandler({ encryptKey: KEY, logger: getLogger(), dispatch: async () => ({}), signatureMaxAgeSeconds: 60, now: () => clock });
    const call = async (timestamp: number) => {
      const req = signedRequest(event(`ev_${timestamp}`), { encryptKey: KEY, timestamp: String(timestamp) });
      const r = await handler({ method: 'POST', path: '/feishu/events', headers: req.headers, body: Buffer.from(req.body) } as unknown as RouteRequest);
      return (r as { status: number }).status;
    };
    expect(await call(clock / 1000 - 59)).toBe(200);
    expect(await call(clock / 1000 - 61)).toBe(401);
  });

  it('checks timestamps as Unix seconds in both directions', () => {
    const now = 1_700_000_000_000;
    expect(isFreshTimestamp('1700000000', 300, now)).toBe(true);
    expect(isFreshTimestamp('1699999700', 300, now)).toBe(true);
    expect(isFreshTimestamp('1699999699', 300, now)).toBe(false);
    expect(isFreshTimestamp('1700000301', 300, now)).toBe(false);
    expect(isFreshTimestamp(undefined, 300, now)).toBe(false);
    expect(isFreshTimestamp('1700000000000', 300, now)).toBe(false);
  });
});

describe('Feishu Open API paths built from event content', () => {
  let fake: FakeFeishu;
  let adapter: FeishuAdapter;

  beforeAll(async () => {
    fake = await startFakeFeishu();
    adapter = new FeishuAdapter(createLarkClient({ appId: APP_ID, appSecret: APP_SECRET, domain: fake.url, logger: getLogger() }), getLogger());
  });

  afterAll(() => fake?.close());

  it('downloads a photo by its documented message id and image key', async () => {
    const photo = await solidPng(1, 2, 3);
    fake.resources.set('om_ok_1/img_v3_ok-1', photo);
    expect((await adapter.downloadImage('om_ok_1', 'img_v3_ok-1')).equals(photo)).toBe(true);
  });

  it('never calls another endpoint for an image key or message id of another shape', async () => {
    const before = fake.server.requests.length;
    const cases: [string, string][] = [
      ['om_ok_1', '../../auth/v3/x'],
      ['om_ok_1', '..'],
      ['om_ok_1', 'img_1/../../../auth/v3/x'],
      ['om_ok_1', 'img_1%2F..%2F..'],
      ['om_ok_1', 'img_1?type=file'],
      ['../../auth/v3/x', 'img_1'],
      ['om_1/../../x', 'img_1'],
    ];
    for (const [messageId, key] of cases) {
      await expect(adapter.downloadImage(messageId, key), `${messageId} ${key}`).rejects.toBeInstanceOf(UserFacingError);
    }
    expect(fake.server.requests.slice(before)).toEqual([]);
  });

  it('refuses message ids of another shape when replying and patching, and encodes every path segment', async () => {
    const before = fake.server.requests.length;
    const thread = { platform: 'feishu' as const, workspace: 't', channel: 'oc_1', thread: '..' };
    await expect(adapter.send(thread, { text: 'hi', locale: 'en' })).rejects.toThrow(/unexpected shape/);
    await expect(adapter.update({ platform: 'feishu', channel: 'oc_1', thread: 'om_1', id: 'om_1/../../x' }, { text: 'hi', locale: 'en' })).rejects.toThrow(/unexpected shape/);
    expect(() => pathSegment('%2e%2E', 'x')).toThrow(/dot path segment/);
    expect(() => pathSegment('', 'x')).toThrow(/dot path segment/);
    expect(fake.server.requests.slice(before).filter((r) => !r.path.includes('tenant_access_token'))).toEqual([]);
    expect(pathSegment('om_a/b?c#d', 'x')).toBe('om_a%2Fb%3Fc%23d');
    expect(FEISHU_RESOURCE_KEY.test('img_8d5181ca-0aed-40f0-b0d1-b1452132afbg')).toBe(true);
    expect(FEISHU_RESOURCE_KEY.test('file_456a92d6-c6ea-4de4-ac3f-7afcf44ac78g')).toBe(true);
    expect(FEISHU_RESOURCE_KEY.test('img_v3_02ab_c0ffee')).toBe(true);
  });
});
