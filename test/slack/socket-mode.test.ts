import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { APP_TOKEN, BOT_TOKEN, FakeSlack, blockActions, eventEnvelope, mentionEvent, messageEvent } from './fake-slack.js';
import { ScriptedEngine, solidPng } from './scripted-engine.js';
import { controls, eventually, expectProposalCard, latest } from './session-helpers.js';

let fake: FakeSlack;
let http: HttpServer;
let bot: TestBot;
let engine: ScriptedEngine;
let photo: Buffer;
let edited: Buffer;

beforeAll(async () => {
  fake = await FakeSlack.start();
  photo = await solidPng(80, 60, [10, 200, 90]);
  edited = await solidPng(80, 60, [250, 250, 250]);
  engine = new ScriptedEngine(edited);
  http = new HttpServer();
  const env = readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl });
  bot = (await startTestBot('slack', { env, engine, http, logger: getLogger() }));
  await fake.waitForConnection();
  await bot.ready();
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

describe('Slack bot in Socket Mode', () => {
  it('connects with the app token and does not register the HTTP route', async () => {
    expect(bot.mode).toBe('socket');
    expect(http.has('POST', '/slack/events')).toBe(false);
    expect(fake.server.requests.some((r) => r.path === '/api/apps.connections.open' && r.headers.authorization === `Bearer ${APP_TOKEN}`)).toBe(true);
    await eventually(async () => expect((await bot.health()).state).toBe('ok'));
  });

  it('runs a whole session over envelopes, acking each one', async () => {
    const file = fake.addUserFile(photo, 'look.png');
    const root = fake.nextTs();
    const ack = await fake.sendEnvelope('events_api', eventEnvelope(mentionEvent({ channel: 'C0SOCKET', ts: root, text: 'swap the background for a beach', files: [file] })));
    expect(ack).toEqual({});
    await bot.idle();
    expect(engine.messages.at(-1)).toMatchObject({ text: 'swap the background for a beach', thread: { channel: 'C0SOCKET', thread: root } });
    const card = expectProposalCard(fake, 'C0SOCKET', root, photo);

    await fake.sendEnvelope('interactive', blockActions({ message: card, threadTs: root, actionId: 'run-all:abc' }));
    await bot.idle();
    const result = fake.completedUploads().find((u) => u.filename === 'edited.png' && u.channel_id === 'C0SOCKET');
    expect(result?.thread_ts).toBe(root);
    expect(result!.bytes.equals(edited)).toBe(true);
    expect(latest(fake, card.ts).text).toBe('Done: change Background');
    expect(controls(latest(fake, card.ts)).map((e) => e.action_id)).toEqual(['undo:abc']);

    await fake.sendEnvelope('interactive', blockActions({ message: latest(fake, card.ts), threadTs: root, actionId: 'undo:abc' }));
    await bot.idle();
    expect(fake.messages.filter((m) => m.channel === 'C0SOCKET' && m.method === 'chat.postMessage').at(-1)?.text).toBe('Undone: back to the previous photo');

    // A follow-up in the thread without a mention reaches the engine.
    await fake.sendEnvelope('events_api', eventEnvelope(messageEvent({ channel: 'C0SOCKET', channel_type: 'channel', ts: fake.nextTs(), thread_ts: root, text: 'a bit warmer' })));
    await bot.idle();
    expect(engine.messages.at(-1)).toMatchObject({ text: 'a bit warmer', thread: { thread: root } });
  });

  it('handles a re-delivered envelope (retry_attempt, same event_id) once', async () => {
    const n = engine.messages.length;
    const envelope = eventEnvelope(mentionEvent({ channel: 'C0SRETRY', ts: fake.nextTs(), text: 'grayscale', files: [fake.addUserFile(photo)] }));
    await fake.sendEnvelope('events_api', envelope);
    await fake.sendEnvelope('events_api', envelope, { retryAttempt: 1 });
    await bot.idle();
    expect(engine.messages.length).toBe(n + 1);
    expect(fake.messages.filter((m) => m.channel === 'C0SRETRY' && m.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('handles a post that arrives both as app_mention and as message once', async () => {
    const root = fake.nextTs();
    await fake.sendEnvelope('events_api', eventEnvelope(mentionEvent({ channel: 'C0TWICE', ts: root, text: 'start', files: [fake.addUserFile(photo)] })));
    await bot.idle();
    const n = engine.messages.length;
    const ts = fake.nextTs();
    const text = `<@UBOT0001> also the hair`;
    await fake.sendEnvelope('events_api', eventEnvelope({ ...mentionEvent({ channel: 'C0TWICE', ts, thread_ts: root, text: 'also the hair' }) }));
    await fake.sendEnvelope('events_api', eventEnvelope(messageEvent({ channel: 'C0TWICE', channel_type: 'channel', ts, thread_ts: root, text })));
    await bot.idle();
    expect(engine.messages.length).toBe(n + 1);
    expect(engine.messages.at(-1)?.text).toBe('also the hair');
  });
});

describe('Socket Mode start-up problems', () => {
  it('does not block start-up while Slack is unreachable, and keeps retrying', async () => {
    const env = readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    const offline = (await startTestBot('slack', { env, engine: new ScriptedEngine(edited), http: new HttpServer(), logger: getLogger() }));
    try {
      expect(offline.mode).toBe('socket');
      expect((await offline.health()).state).toBe('degraded');
    } finally {
      await offline.stop();
    }
  });

  it('reports a refused app token as down, with what to do', async () => {
    const env = readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-revoked', SLACK_API_URL: fake.apiUrl });
    const refused = (await startTestBot('slack', { env, engine: new ScriptedEngine(edited), http: new HttpServer(), logger: getLogger() }));
    try {
      await refused.ready();
      const health = await refused.health();
      expect(health.state).toBe('down');
      expect(health.detail).toContain('SLACK_APP_TOKEN');
      expect(health.detail).not.toContain('xapp-revoked');
    } finally {
      await refused.stop();
    }
  });
});
