import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { signSlackRequest } from '../support/slack-signing.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { BOT_ID, BOT_TOKEN, BOT_USER, FakeSlack, blockActions, eventEnvelope, mentionEvent, messageEvent } from './fake-slack.js';
import { ScriptedEngine, solidPng } from './scripted-engine.js';
import { controls, eventually, expectProposalCard, latest } from './session-helpers.js';

const SECRET = 'test-signing-secret-0123456789';

let fake: FakeSlack;
let photo: Buffer;
let edited: Buffer;

beforeAll(async () => {
  fake = await FakeSlack.start();
  photo = await solidPng(64, 48, [30, 120, 200]);
  edited = await solidPng(64, 48, [240, 200, 80]);
});
afterAll(async () => fake.close());

interface Running {
  http: HttpServer;
  url: string;
  bot: TestBot;
  engine: ScriptedEngine;
}

async function startBot(apiUrl = fake.apiUrl): Promise<Running> {
  const http = new HttpServer();
  const addr = await http.listen('127.0.0.1', 0);
  const engine = new ScriptedEngine(edited);
  const env = readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: apiUrl });
  const bot = (await startTestBot('slack', { env, engine, http, logger: getLogger() }));
  return { http, url: `http://127.0.0.1:${addr.port}`, bot, engine };
}

async function post(
  r: Running,
  body: string,
  opts: { contentType?: string; secret?: string; timestamp?: number; signature?: string; retryNum?: number } = {},
): Promise<Response> {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/json',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': opts.signature ?? signSlackRequest(opts.secret ?? SECRET, ts, body),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(`${r.url}/slack/events`, { method: 'POST', headers, body });
}

const postEvent = (r: Running, envelope: Record<string, unknown>, opts: Parameters<typeof post>[2] = {}) => post(r, JSON.stringify(envelope), opts);
const postAction = (r: Running, payload: Record<string, unknown>) =>
  post(r, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { contentType: 'application/x-www-form-urlencoded' });

describe('Slack bot over HTTP (Events API at POST /slack/events)', () => {
  let r: Running;
  beforeEach(async () => {
    r = await startBot();
  });
  afterEach(async () => {
    await r.bot.stop();
    await r.http.close();
  });

  it('runs a whole session: mention with photo → proposal → Run all → edited photo in the thread → Undo', async () => {
    const file = fake.addUserFile(photo, 'shirt.png');
    const root = fake.nextTs();
    const res = await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0DESIGN', ts: root, text: 'make the background a beach', files: [file] })));
    expect(res.status).toBe(200);
    await r.bot.idle();

    // The engine got the instruction without the mention and the photo's bytes via url_private + bot token.
    expect(r.engine.messages).toHaveLength(1);
    expect(r.engine.messages[0]).toMatchObject({ platform: 'slack', text: 'make the background a beach', thread: { channel: 'C0DESIGN', thread: root, workspace: 'T0TEAM01' } });
    expect(r.engine.downloaded[0].equals(photo)).toBe(true);
    expect(fake.downloads.at(-1)?.authorized).toBe(true);

    const card = expectProposalCard(fake, 'C0DESIGN', root, photo);

    // Choosing in the multi-select reaches the engine with the chosen values.
    expect((await postAction(r, blockActions({ message: card, threadTs: root, actionId: 'pick:abc', selected: ['1'] }))).status).toBe(200);
    await r.bot.idle();
    expect(r.engine.actions.at(-1)).toMatchObject({ actionId: 'pick:abc', values: ['1'], thread: { thread: root } });

    // Run all: progress edits the card in place, then the edited photo lands in the thread.
    expect((await postAction(r, blockActions({ message: card, threadTs: root, actionId: 'run-all:abc' }))).status).toBe(200);
    await r.bot.idle();
    const updates = fake.messages.filter((m) => m.method === 'chat.update' && m.ts === card.ts);
    expect(updates.map((u) => u.text)).toEqual(['Editing…', 'Done: change Background']);
    expect(JSON.stringify(updates[0].blocks)).toContain('50%');
    const result = fake.completedUploads().find((u) => u.filename === 'edited.png');
    expect(result).toMatchObject({ channel_id: 'C0DESIGN', thread_ts: root });
    expect(result!.bytes.equals(edited)).toBe(true);
    expect(controls(latest(fake, card.ts)).map((e) => e.action_id)).toEqual(['undo:abc']);

    // Undo posts the previous photo back into the thread.
    await postAction(r, blockActions({ message: latest(fake, card.ts), threadTs: root, actionId: 'undo:abc' }));
    await r.bot.idle();
    const undo = fake.messages.filter((m) => m.thread_ts === root && m.method === 'chat.postMessage').at(-1);
    expect(undo?.text).toBe('Undone: back to the previous photo');
    expect(fake.completedUploads().find((u) => u.filename === 'previous.png')?.thread_ts).toBe(root);
  });

  it('answers Slack before the engine has finished (ack first, work after)', async () => {
    let release!: () => void;
    r.engine.hold = new Promise<void>((resolve) => (release = resolve));
    const res = await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0SLOW', ts: fake.nextTs(), text: 'slow one', files: [fake.addUserFile(photo)] })));
    expect(res.status).toBe(200);
    await eventually(() => expect(r.engine.messages.map((m) => m.text)).toContain('slow one'));
    expect(fake.messages.some((m) => m.channel === 'C0SLOW')).toBe(false);
    release();
    await r.bot.idle();
    expect(fake.messages.some((m) => m.channel === 'C0SLOW')).toBe(true);
  });

  it('answers the url_verification challenge', async () => {
    const res = await post(r, JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('refuses forged and stale requests with 401 and does nothing', async () => {
    const file = fake.addUserFile(photo);
    const before = fake.messages.length;
    const body = eventEnvelope(mentionEvent({ channel: 'C0DESIGN', ts: fake.nextTs(), text: 'forged', files: [file] }));
    expect((await postEvent(r, body, { secret: 'attacker-secret' })).status).toBe(401);
    expect((await postEvent(r, body, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await postEvent(r, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    const challenge = await post(r, JSON.stringify({ type: 'url_verification', challenge: 'x' }), { secret: 'attacker-secret' });
    expect(challenge.status).toBe(401);
    await r.bot.idle();
    expect(r.engine.messages).toHaveLength(0);
    expect(fake.messages.length).toBe(before);
    expect(fake.downloads.some((d) => d.path.includes(file.id))).toBe(false);
  });

  it('answers an authentic but malformed body with 400, and nothing reaches the engine', async () => {
    const before = r.engine.messages.length + r.engine.actions.length;
    for (const body of [
      JSON.stringify({ type: 'event_callback', event: 'not an object' }),
      JSON.stringify({ type: 'event_callback' }),
      JSON.stringify({ type: 'url_verification' }),
      JSON.stringify(['an', 'array']),
    ]) {
      const res = await post(r, body);
      expect(res.status, body).toBe(400);
    }
    const action = await post(r, new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: 'none' }) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    expect(action.status).toBe(400);
    await r.bot.idle();
    expect(r.engine.messages.length + r.engine.actions.length).toBe(before);
  });

  it('handles a retried event (X-Slack-Retry-Num, same event_id) once', async () => {
    const file = fake.addUserFile(photo);
    const envelope = eventEnvelope(mentionEvent({ channel: 'C0RETRY', ts: fake.nextTs(), text: 'blur the background', files: [file] }));
    expect((await postEvent(r, envelope)).status).toBe(200);
    expect((await postEvent(r, envelope, { retryNum: 1 })).status).toBe(200);
    expect((await postEvent(r, envelope, { retryNum: 2 })).status).toBe(200);
    await r.bot.idle();
    expect(r.engine.messages).toHaveLength(1);
    expect(fake.messages.filter((m) => m.channel === 'C0RETRY' && m.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('takes a DM with a photo, and a follow-up in a thread it is editing in, without a mention', async () => {
    const file = fake.addUserFile(photo, 'me.jpg', 'image/jpeg');
    const dmTs = fake.nextTs();
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'D0DIRECT', channel_type: 'im', ts: dmTs, text: 'make my shirt white', files: [file] })));
    await r.bot.idle();
    expect(r.engine.messages.at(-1)).toMatchObject({ text: 'make my shirt white', thread: { channel: 'D0DIRECT', thread: dmTs } });
    expect(r.engine.downloaded.at(-1)?.equals(photo)).toBe(true);

    // Channel thread: mention starts it, then a plain reply in that thread reaches the engine.
    const root = fake.nextTs();
    await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0THREAD', ts: root, text: 'edit this', files: [fake.addUserFile(photo)] })));
    await r.bot.idle();
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'C0THREAD', channel_type: 'channel', ts: fake.nextTs(), thread_ts: root, text: 'now brighter please' })));
    await r.bot.idle();
    expect(r.engine.messages.at(-1)).toMatchObject({ text: 'now brighter please', thread: { channel: 'C0THREAD', thread: root }, images: [] });
    expect(fake.messages.at(-1)).toMatchObject({ channel: 'C0THREAD', thread_ts: root, text: 'Follow-up understood: now brighter please' });
  });

  it('finds the photo posted earlier in the thread when the mention itself has none', async () => {
    const file = fake.addUserFile(photo, 'product.png');
    const root = fake.nextTs();
    fake.addHistory('C0PRODUCT', { type: 'message', user: 'UHUMAN02', text: 'new packshot', ts: root, files: [file] });
    const ask = fake.nextTs();
    fake.addHistory('C0PRODUCT', { type: 'message', user: 'UHUMAN01', text: '<@UBOT0001> white background please', ts: ask, thread_ts: root });
    await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0PRODUCT', ts: ask, thread_ts: root, text: 'white background please' })));
    await r.bot.idle();
    expect(r.engine.messages.at(-1)).toMatchObject({ text: 'white background please', thread: { channel: 'C0PRODUCT', thread: root } });
    expect(r.engine.messages.at(-1)?.images.map((i) => i.name)).toEqual(['product.png']);
    expect(r.engine.downloaded.at(-1)?.equals(photo)).toBe(true);
    expectProposalCard(fake, 'C0PRODUCT', root, photo);
  });

  it('ignores chatter it should not answer: other threads, its own posts, edits and joins', async () => {
    const n = r.engine.messages.length;
    const root = fake.nextTs();
    // A channel message in a thread the bot is not editing in.
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'C0OTHER', channel_type: 'channel', ts: fake.nextTs(), thread_ts: root, text: 'unrelated' })));
    // A top-level channel message without a mention.
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'C0OTHER', channel_type: 'channel', ts: fake.nextTs(), text: 'hello all' })));
    // The bot's own post in a DM, a bot_message, an edit and a join.
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'D0DIRECT', channel_type: 'im', ts: fake.nextTs(), text: 'I see these parts', user: BOT_USER, bot_id: BOT_ID })));
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'D0DIRECT', channel_type: 'im', ts: fake.nextTs(), text: 'x', subtype: 'bot_message' })));
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'D0DIRECT', channel_type: 'im', ts: fake.nextTs(), text: 'x', subtype: 'message_changed' })));
    await postEvent(r, eventEnvelope(messageEvent({ channel: 'C0OTHER', channel_type: 'channel', ts: fake.nextTs(), text: 'joined', subtype: 'channel_join' })));
    await r.bot.idle();
    expect(r.engine.messages.length).toBe(n);
  });

  it('shows errors aimed at one user as ephemeral messages in the thread, escaped for mrkdwn', async () => {
    const root = fake.nextTs();
    await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0EPHEM', ts: root, text: 'do something' })));
    await r.bot.idle();
    const eph = fake.messages.find((m) => m.method === 'chat.postEphemeral' && m.channel === 'C0EPHEM');
    // The fallback text follows the same escaping as the blocks (&, < and > are control characters).
    expect(eph).toMatchObject({ user: 'UHUMAN01', thread_ts: root, text: 'Attach a photo &amp; mention me &lt;again&gt;.' });
    expect(fake.violations).toEqual([]);
    expect(eph!.blocks[0].text.text).toBe('Attach a photo &amp; mention me &lt;again&gt;.');
  });

  it('passes non-image attachments by name and keeps the instruction clean', async () => {
    const pdf = fake.addUserFile(Buffer.from('%PDF-1.4'), 'brief.pdf', 'application/pdf');
    await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0FILES', ts: fake.nextTs(), text: 'see &lt;brief&gt; &amp; <https://example.com|the site>', files: [pdf] })));
    await r.bot.idle();
    expect(r.engine.messages.at(-1)).toMatchObject({ text: 'see <brief> & the site', images: [], otherFiles: ['brief.pdf'] });
    expect(fake.downloads.some((d) => d.path.includes(pdf.id))).toBe(false);
  });

  it('looks up files that events list by id only (files.info)', async () => {
    const file = fake.addUserFile(photo, 'late.png');
    await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0INFO', ts: fake.nextTs(), text: 'grayscale', files: [{ id: file.id, file_access: 'check_file_info' }] })));
    await r.bot.idle();
    expect(r.engine.messages.at(-1)?.images.map((i) => i.name)).toEqual(['late.png']);
    expect(r.engine.downloaded.at(-1)?.equals(photo)).toBe(true);
  });

  it('reports healthy once auth.test answered, and then hands the engine its adapter', async () => {
    await eventually(async () => expect((await r.bot.health()).state).toBe('ok'));
    await eventually(() => expect(r.engine.registered.map((a) => a.platform)).toEqual(['slack']));
    expect(r.engine.registered[0].uploadLimit({ platform: 'slack', workspace: '', channel: 'C', thread: '1' })).toBe(50 * 1024 * 1024);
  });
});

describe('Slack bot over HTTP when the Slack API is unreachable at boot', () => {
  it('registers the route and answers at once; health says it is retrying', async () => {
    const r = await startBot('http://127.0.0.1:9/api/');
    try {
      const res = await post(r, JSON.stringify({ type: 'url_verification', challenge: 'still-here' }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ challenge: 'still-here' });
      const forged = await post(r, JSON.stringify({ type: 'url_verification', challenge: 'x' }), { secret: 'nope' });
      expect(forged.status).toBe(401);
      const health = await r.bot.health();
      expect(health.state).toBe('degraded');
      expect(r.engine.registered).toHaveLength(0);

      // Events still flow; the bot user named in the envelope is enough to strip its mention and skip its posts.
      r.engine.silent = true;
      await postEvent(r, eventEnvelope(mentionEvent({ channel: 'C0DOWN', ts: '1700000100.000100', text: 'blur <@UBOT0001> the background' })));
      await postEvent(r, eventEnvelope(messageEvent({ channel: 'D0DOWN', channel_type: 'im', ts: '1700000101.000100', text: 'my own reply', user: BOT_USER })));
      await r.bot.idle();
      expect(r.engine.messages.map((m) => m.text)).toEqual(['blur the background']);
    } finally {
      await r.bot.stop();
      await r.http.close();
    }
  });
});
