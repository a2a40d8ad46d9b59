import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { APP_ID, CHANNEL_ID, FakeDiscord } from './fake-discord.js';
import { StubEngine, solidPng } from './stub-engine.js';
import { KEY, OTHER_KEY, PUBLIC, signed } from './signing.js';

describe('Discord HTTP interactions mode', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  let http: HttpServer;
  let endpoint: string;
  const engine = new StubEngine();

  beforeAll(async () => {
    fake = await new FakeDiscord().start();
    http = new HttpServer();
    // No bot token: everything goes through the interaction webhooks.
    const env = readEnv({ DISCORD_PUBLIC_KEY: PUBLIC, DISCORD_APP_ID: APP_ID, DISCORD_API_URL: fake.apiUrl });
    bot = await startTestBot('discord', { env, engine, http, logger: getLogger() });
    const addr = await http.listen('127.0.0.1', 0);
    endpoint = `http://127.0.0.1:${addr.port}/discord/interactions`;
  });

  afterAll(async () => {
    await bot?.stop();
    await http?.close();
    await fake?.close();
  });

  it('answers PING with PONG', async () => {
    const res = await fake.deliverHttp(endpoint, { id: '1', type: 1, application_id: APP_ID, token: 'ping', version: 1 }, signed());
    expect(res).toEqual({ status: 200, body: { type: 1 } });
  });

  it('refuses missing, forged and stale signatures with 401 and does nothing', async () => {
    const photo = await solidPng(8, 8, { r: 1, g: 2, b: 3 });
    const attachment = fake.addAttachment('p.png', photo, 'image/png');
    const requestsBefore = fake.requests.length;
    const cases: ((body: string) => Record<string, string>)[] = [
      () => ({}),
      () => ({ 'x-signature-timestamp': String(Math.floor(Date.now() / 1000)) }),
      signed(OTHER_KEY),
      (body) => ({ ...signed()(body), 'x-signature-ed25519': '00'.repeat(64) }),
      (body) => signed()(body.replace('make', 'MAKE')), // signature over a different body
      (body) => ({ ...signed()(body), 'x-signature-timestamp': String(Math.floor(Date.now() / 1000) + 1) }),
      signed(KEY, Math.floor(Date.now() / 1000) - 6 * 60), // replayed: validly signed, 6 minutes old
    ];
    for (const headers of cases) {
      const res = await fake.deliverHttp(endpoint, fake.slashCommand('edit', { attachment, instruction: 'make it brighter' }), headers);
      expect(res.status).toBe(401);
    }
    // Discord verifies endpoints with a bad-signature PING too.
    const ping = await fake.deliverHttp(endpoint, { id: '2', type: 1, application_id: APP_ID, token: 'p', version: 1 }, signed(OTHER_KEY));
    expect(ping.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(engine.commands).toHaveLength(0);
    expect(fake.requests.length).toBe(requestsBefore);
  });

  it('runs a whole session through deferred responses and webhook follow-ups', async () => {
    const photo = await solidPng(32, 24, { r: 30, g: 60, b: 90 });
    const attachment = fake.addAttachment('photo.png', photo, 'image/png');
    const command = fake.slashCommand('edit', { attachment, instruction: '把背景换成海滩', locale: 'zh-CN' });
    const ack = await fake.deliverHttp(endpoint, command, signed());
    expect(ack).toEqual({ status: 200, body: { type: 5, data: {} } });
    await engine.until(() => engine.commands.length === 1);
    const inv = engine.commands[0];
    expect(inv).toMatchObject({ eventId: command.id, name: 'edit', text: '把背景换成海滩', locale: 'zh-CN' });
    expect(engine.downloaded[0].equals(photo)).toBe(true);

    const original = [...fake.messages.values()].find((m) => m.interactionId === command.id)!;
    expect(inv.thread).toMatchObject({ channel: CHANNEL_ID, thread: original.id });
    expect(original.content).toContain('Proposal');
    expect(original.components[0].components[0].custom_id).toBe('a_apply_0123456789abcdef');
    // Without a bot token no thread can be opened.
    expect(fake.threads.size).toBe(0);

    // A replayed delivery of the same interaction (fresh signature) is acknowledged but not re-run.
    const again = await fake.deliverHttp(endpoint, command, signed());
    expect(again.status).toBe(200);

    const click = fake.componentClick(original.id, 'a_apply_0123456789abcdef');
    expect(await fake.deliverHttp(endpoint, click, signed())).toEqual({ status: 200, body: { type: 6 } });
    await engine.until(() => engine.actions.length === 1);
    expect(engine.actions[0]).toMatchObject({ actionId: 'a_apply_0123456789abcdef', thread: inv.thread, message: { id: original.id } });
    expect(original.content).toBe('Applied: brighter');

    const upload = fake.requests.find((r) => r.method === 'POST' && r.route === `/webhooks/${APP_ID}/${click.token}`)!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
    const meta = await sharp(upload.files[0].data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 32, 24]);
    const result = [...fake.messages.values()].find((m) => m.content === 'Here is your photo')!;

    const undo = fake.componentClick(result.id, 'a_undo_0123456789abcdef');
    await fake.deliverHttp(endpoint, undo, signed());
    await engine.until(() => engine.actions.length === 2);
    expect(engine.actions[1].thread).toEqual(inv.thread);
    const undone = [...fake.messages.values()].find((m) => m.content === 'Undone')!;
    expect(undone.attachments[0].data.equals(photo)).toBe(true);
    expect(engine.commands).toHaveLength(1);
  });

  it('reports the endpoint as healthy', async () => {
    expect(await bot.health()).toMatchObject({ name: 'discord', state: 'ok' });
  });
});

describe('Discord interactions endpoint while Discord itself is unreachable', () => {
  it('still verifies and answers PING, and reports the gateway as not connected', async () => {
    const http = new HttpServer();
    const env = readEnv({ DISCORD_TOKEN: 'tok', DISCORD_PUBLIC_KEY: PUBLIC, DISCORD_APP_ID: APP_ID, DISCORD_API_URL: 'http://127.0.0.1:9/api' });
    const bot = await startTestBot('discord', { env, engine: new StubEngine(), http, logger: getLogger() });
    const { port } = await http.listen('127.0.0.1', 0);
    try {
      const body = JSON.stringify({ id: '1', type: 1, application_id: APP_ID, token: 'x', version: 1 });
      const res = await fetch(`http://127.0.0.1:${port}/discord/interactions`, { method: 'POST', body, headers: signed()(body) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ type: 1 });
      const forged = await fetch(`http://127.0.0.1:${port}/discord/interactions`, { method: 'POST', body, headers: signed(OTHER_KEY)(body) });
      expect(forged.status).toBe(401);
      expect(await bot.health()).toMatchObject({ state: 'degraded' });
    } finally {
      await bot.stop();
      await http.close();
    }
  });
});
