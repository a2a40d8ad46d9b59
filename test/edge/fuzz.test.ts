import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { encryptFeishu } from '../feishu/fake-feishu.js';

/**
 * Bounded, seeded fuzz of the one HTTP server with every webhook configured (Slack HTTP mode,
 * Discord HTTP interactions, Feishu webhooks): random and malformed methods, paths, headers and
 * bodies, validly signed garbage for each platform, truncated uploads. Outside APIs point at a
 * loopback recorder. Nothing may answer 500, nothing may crash the process, and no outside call may
 * carry a path shaped by input.
 */

const SEED = 20_260_521;
const HTTP_REQUESTS = 2_400;
const RAW_REQUESTS = 500;
const CONCURRENCY = 16;
/** Appears in every fuzzed value that carries path syntax; must never reach an outside call's path. */
const MARK = 'qFUZZq';

const SLACK_SECRET = crypto.randomBytes(16).toString('hex');
const FEISHU_KEY = crypto.randomBytes(12).toString('hex');
const FEISHU_TOKEN = 'fuzz-verification-token';
const DISCORD_APP_ID = '1100000000000000001';
const discordKeys = crypto.generateKeyPairSync('ed25519');
const DISCORD_PUBLIC = Buffer.from(discordKeys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');

interface Recorded {
  method: string;
  url: string;
}

/** Every outside call lands here; it answers just enough for the SDKs to carry on. */
function startRecorder(): Promise<{ server: http.Server; url: string; calls: Recorded[] }> {
  const calls: Recorded[] = [];
  const server = http.createServer((req, res) => {
    calls.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.startsWith('/slack/')) {
        if (url.includes('auth.test')) return json(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'bot', team: 't' });
        return json(200, { ok: true, channel: 'C1', ts: '1700000000.000100', messages: [] });
      }
      if (url.startsWith('/discord/')) {
        return json(200, { id: '1100000000000000123', channel_id: '1100000000000000003', content: '', attachments: [], embeds: [], components: [], type: 0, flags: 0 });
      }
      if (url.startsWith('/open-apis/auth/')) return json(200, { code: 0, msg: 'ok', tenant_access_token: 't-fuzz', app_access_token: 'a-fuzz', expire: 7200 });
      if (url.startsWith('/open-apis/bot/v3/info')) return json(200, { code: 0, msg: 'ok', bot: { open_id: 'ou_bot', app_name: 'bot' } });
      if (url.startsWith('/open-apis/')) return json(200, { code: 0, msg: 'ok', data: { message_id: 'om_fuzz_reply', items: [] } });
      return json(404, { error: 'not found' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, calls })));
}

/** The shapes outside calls may take: one segment per parameter, ids of their documented shape. */
const SNOW = '\\d{1,20}';
const TOKEN = '[A-Za-z0-9_~+=-][A-Za-z0-9._~+=-]*';
const SEG = '(?!\\.{1,2}(?:/|$))[A-Za-z0-9._~%-]+';
const ALLOWED_CALLS = [
  /^\/slack\/api\/[A-Za-z.]+$/,
  new RegExp(`^/discord/v10/webhooks/${SNOW}/${TOKEN}(?:/messages/(?:(?:@|%40)original|${SNOW}))?(?:\\?.*)?$`),
  new RegExp(`^/discord/v10/interactions/${SNOW}/${TOKEN}/callback(?:\\?.*)?$`),
  new RegExp(`^/discord/v10/channels/${SNOW}(?:/messages(?:/${SNOW}(?:/threads)?)?|/threads)?(?:\\?.*)?$`),
  /^\/open-apis\/auth\/v3\/(?:tenant|app)_access_token\/internal$/,
  /^\/open-apis\/bot\/v3\/info$/,
  /^\/open-apis\/ephemeral\/v1\/send$/,
  /^\/open-apis\/im\/v1\/images$/,
  /^\/open-apis\/im\/v1\/messages(?:\?.*)?$/,
  new RegExp(`^/open-apis/im/v1/messages/om_[A-Za-z0-9_-]+(?:/reply|/resources/(?:img|file)_[A-Za-z0-9_-]+)?(?:\\?.*)?$`),
  new RegExp(`^/hf/${SEG}(?:/${SEG})*(?:\\?.*)?$`),
];

// ---------------------------------------------------------------- arbitraries

const ROUTES = ['/slack/events', '/discord/interactions', '/feishu/events', '/feishu/card', '/healthz', '/readyz', '/metrics', '/', '/api/events', '/api/images/x', '/api/message', '/api/action', '/api/status'];
const PATH_SYNTAX = ['../', '..', '%2e%2e/', '%2F', '/', '?x=', '#', '\\', '%00', '//evil.example/', ' ', '@'];

const junkText = fc.string({ maxLength: 24 });
/** A value with path syntax in it: it must never shape an outside call's path. */
const hostile = fc
  .tuple(fc.constantFrom(...PATH_SYNTAX), fc.string({ maxLength: 8, unit: 'grapheme-ascii' }), fc.constantFrom(...PATH_SYNTAX))
  .map(([a, b, c]) => `${a}${b.replace(/[^A-Za-z0-9]/g, '')}${MARK}${c}`);
/** Mostly the valid value, sometimes something hostile or junk: payloads get deep enough to matter. */
function mostly<T, U = T>(valid: fc.Arbitrary<T>, ...bad: fc.Arbitrary<U>[]): fc.Arbitrary<T | U> {
  const choices: fc.WeightedArbitrary<T | U>[] = [{ weight: 8, arbitrary: valid }, ...bad.map((arbitrary) => ({ weight: 1, arbitrary }))];
  return fc.oneof(...choices);
}
const unique = fc.bigInt({ min: 1_100_000_000_000_000_000n, max: 1_199_999_999_999_999_999n }).map(String);
const snowflake = fc.constantFrom('1100000000000000003', '1100000000000000004');
const discordId = (valid: fc.Arbitrary<string>) => mostly(valid, hostile, junkText);
const discordToken = mostly(fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,40}$/), hostile, junkText);
const feishuMessageId = mostly(fc.stringMatching(/^om_[a-f0-9]{8}$/), hostile, fc.constant(`om_x${MARK}/../../auth/v3/x`));
const feishuKey = fc.oneof(fc.stringMatching(/^(?:img_v3|file_v2)_[a-f0-9]{8}$/), hostile, fc.constant(`../../auth/v3/${MARK}`));
const slackId = mostly(fc.constantFrom('C1', 'D1', 'U1', 'F1'), hostile, junkText);

const discordUser = fc.record({ id: discordId(snowflake), username: junkText, global_name: fc.option(junkText) });
const discordCommandData = fc.record(
  {
    type: fc.constantFrom(1, 3, 2),
    name: mostly(fc.constantFrom('edit', 'suggest', 'settings', 'status', 'Edit image'), junkText),
    target_id: discordId(snowflake),
    options: fc.array(fc.record({ name: fc.constantFrom('instruction', 'image', 'strength'), type: fc.constantFrom(3, 4, 11), value: fc.oneof(junkText, discordId(snowflake), fc.integer()) }), { maxLength: 3 }),
    resolved: fc.record({ attachments: fc.dictionary(fc.oneof(snowflake, hostile), fc.record({ id: discordId(snowflake), filename: junkText, size: fc.nat(), url: hostile.map((h) => `https://evil.example/${h}`) }), { maxKeys: 2 }) }),
  },
  { requiredKeys: ['type', 'name'] },
);
const discordComponentData = fc.record({ custom_id: mostly(fc.stringMatching(/^act_[a-z_]{1,12}$/), hostile, junkText), component_type: fc.constantFrom(2, 3), values: fc.array(junkText, { maxLength: 3 }) }, { requiredKeys: ['custom_id', 'component_type'] });

const discordPayload = fc
  .record({
    type: mostly(fc.constantFrom(1, 2, 3), fc.constantFrom(4, 5, 0, '2'), fc.anything()),
    id: discordId(unique),
    application_id: discordId(fc.constant(DISCORD_APP_ID)),
    token: discordToken,
    guild_id: discordId(snowflake),
    channel_id: discordId(snowflake),
    channel: mostly(fc.record({ id: discordId(snowflake), type: fc.constantFrom(0, 11, 5), parent_id: fc.option(discordId(snowflake)) }), fc.anything()),
    member: mostly(fc.record({ user: discordUser }), fc.anything()),
    commandData: mostly(discordCommandData, fc.anything()),
    componentData: mostly(discordComponentData, fc.anything()),
    message: mostly(fc.record({ id: discordId(snowflake), channel_id: discordId(snowflake) }), fc.anything()),
    locale: mostly(fc.constantFrom('en-US', 'zh-CN'), junkText),
    drop: fc.subarray(['member', 'channel', 'channel_id', 'data', 'message', 'token', 'id']),
  })
  .map(({ commandData, componentData, drop, ...r }) => {
    const payload: Record<string, unknown> = { ...r, data: r.type === 3 ? componentData : commandData };
    // Now and then a field is missing altogether (a type-2 without data, a type-3 without message…).
    for (const key of drop.slice(0, 1)) delete payload[key];
    return payload;
  });

const feishuEvent = fc
  .record({
    kind: fc.constantFrom('message', 'card', 'challenge', 'other'),
    eventId: mostly(unique.map((u) => `ev_${u}`), junkText, fc.anything()),
    token: mostly(fc.constant(FEISHU_TOKEN), fc.constant('wrong')),
    header: mostly(fc.constant(true), fc.anything()),
    messageType: fc.constantFrom('image', 'text', 'post', 'file'),
    messageId: feishuMessageId,
    rootId: fc.option(feishuMessageId),
    chatType: fc.constantFrom('p2p', 'group'),
    imageKey: feishuKey,
    text: junkText,
    actionValue: mostly(fc.record({ a: mostly(fc.stringMatching(/^act_[a-z_]{1,12}$/), hostile, junkText) }), fc.anything()),
    chatId: mostly(fc.constant('oc_1'), hostile),
    event: mostly(fc.constant(true), fc.anything()),
  })
  .map((r) => {
    if (r.kind === 'challenge') return { type: 'url_verification', challenge: r.text, token: r.token };
    const content = r.messageType === 'image' ? { image_key: r.imageKey } : r.messageType === 'post' ? { content: [[{ tag: 'img', image_key: r.imageKey }, { tag: 'text', text: r.text }]] } : { text: r.text };
    const event =
      r.kind === 'card'
        ? { operator: { open_id: 'ou_1' }, token: 'c-1', action: { value: r.actionValue, tag: 'button' }, context: { open_message_id: r.messageId, open_chat_id: r.chatId } }
        : {
            sender: { sender_id: { open_id: 'ou_1' }, sender_type: 'user' },
            message: { message_id: r.messageId, root_id: r.rootId ?? undefined, chat_id: r.chatId, chat_type: r.chatType, message_type: r.messageType, content: JSON.stringify(content) },
          };
    const eventType = r.kind === 'card' ? 'card.action.trigger' : r.kind === 'message' ? 'im.message.receive_v1' : 'contact.user.created_v3';
    return {
      schema: '2.0',
      header: r.header === true ? { event_id: r.eventId, token: r.token, event_type: eventType, tenant_key: 't1', app_id: 'cli_0123456789abcdef', create_time: String(Date.now()) } : r.header,
      event: r.event === true ? event : r.event,
    };
  });

const slackPayload = fc
  .record({
    kind: fc.constantFrom('event', 'event', 'action', 'challenge'),
    eventId: mostly(unique.map((u) => `Ev${u}`), junkText),
    type: mostly(fc.constantFrom('message', 'app_mention'), junkText),
    channel: slackId,
    user: slackId,
    ts: mostly(fc.constantFrom('1700000000.000100', '1700000001.000200'), hostile, junkText),
    text: junkText,
    files: fc.array(fc.record({ id: slackId, name: junkText, mimetype: fc.constant('image/png'), url_private: hostile.map((h) => `https://evil.example/${h}`) }), { maxLength: 2 }),
    actionId: mostly(fc.stringMatching(/^act_[a-z_]{1,12}$/), hostile, junkText),
    event: mostly(fc.constant(true), fc.anything()),
  })
  .map((r) => {
    if (r.kind === 'challenge') return { type: 'url_verification', challenge: r.text };
    if (r.kind === 'action') {
      return { type: 'block_actions', team: { id: 'T1' }, user: { id: r.user }, channel: { id: r.channel }, message: { ts: r.ts, thread_ts: r.ts }, container: { type: 'message', message_ts: r.ts, channel_id: r.channel }, actions: [{ action_id: r.actionId, type: 'button', value: r.text }] };
    }
    const event = { type: r.type, channel: r.channel, channel_type: 'im', user: r.user, ts: r.ts, text: r.text, files: r.files };
    return { type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: r.eventId, event: r.event === true ? event : r.event };
  });

const bodyArb = fc.oneof(
  fc.constant(''),
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.json({ maxDepth: 3 }),
  fc.json({ maxDepth: 3 }).map((j) => j.slice(0, Math.max(0, Math.floor(j.length / 2)))),
  fc.constantFrom('null', '[]', '{}', '"x"', '0', 'true', '{"type":1}', '{"encrypt":"AAAA"}', 'payload=null', 'payload=%7B%7D'),
);

type Signing = 'none' | 'valid' | 'stale' | 'forged';
interface Spec {
  method: string;
  path: string;
  headers: [string, string][];
  body: string;
  platform: 'slack' | 'discord' | 'feishu' | 'none';
  signing: Signing;
  feishuEncrypt: boolean;
  contentType: string;
  declareHuge: boolean;
}

const methodArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('POST', 'GET') }, { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/) });
const pathArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ROUTES) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), fc.constantFrom('/', '//', '/..', '?a=1&a=2', '?session=abcdefgh12', '%00', '/../healthz', '#x', ';x')).map(([a, b]) => a + b) },
  { weight: 2, arbitrary: fc.constantFrom('//', '///', '/..', '/%2e%2e/', '/%zz', '/\\', '*', '/api/images/../../etc/passwd', '/feishu', '/slack', '/discord/interactions/') },
  { weight: 1, arbitrary: fc.stringMatching(/^\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,40}$/) },
);
const headerNameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const headerValueArb = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    method: methodArb,
    path: pathArb,
    headers: fc.array(fc.tuple(fc.oneof(headerNameArb, fc.constantFrom('x-slack-signature', 'x-slack-request-timestamp', 'x-signature-ed25519', 'x-signature-timestamp', 'x-lark-signature', 'x-lark-request-timestamp', 'x-lark-request-nonce', 'accept-language', 'last-event-id', 'x-slack-retry-num')), headerValueArb), { maxLength: 4 }),
    platform: fc.constantFrom('slack', 'discord', 'feishu', 'none'),
    signing: fc.constantFrom<Signing>('none', 'valid', 'valid', 'valid', 'stale', 'forged'),
    structured: mostly(fc.constant(true), fc.constant(false)),
    garbage: bodyArb,
    discord: discordPayload,
    feishu: feishuEvent,
    slack: slackPayload,
    feishuEncrypt: mostly(fc.constant(true), fc.constant(false)),
    slackForm: fc.boolean(),
    contentType: mostly(fc.constant('auto'), fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', '')),
    declareHuge: fc.integer({ min: 0, max: 40 }).map((n) => n === 0),
  })
  .map((r) => {
    let body = r.garbage;
    if (r.structured) {
      if (r.platform === 'discord') body = JSON.stringify(r.discord);
      else if (r.platform === 'feishu') body = JSON.stringify(r.feishu);
      else if (r.platform === 'slack') body = r.slackForm || (r.slack as { type?: string }).type === 'block_actions' ? `payload=${encodeURIComponent(JSON.stringify(r.slack))}` : JSON.stringify(r.slack);
    }
    const route = { slack: '/slack/events', discord: '/discord/interactions', feishu: r.path === '/feishu/card' ? '/feishu/card' : '/feishu/events', none: r.path }[r.platform];
    const method = r.platform === 'none' ? r.method : 'POST';
    const path = route;
    const contentType = r.contentType !== 'auto' ? String(r.contentType) : body.startsWith('payload=') ? 'application/x-www-form-urlencoded' : 'application/json';
    return { method, path, headers: r.headers, body, platform: r.platform, signing: r.signing, feishuEncrypt: r.feishuEncrypt, contentType, declareHuge: r.declareHuge };
  });

// ---------------------------------------------------------------- signing

function signedHeaders(spec: Spec, body: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const ts = String(spec.signing === 'stale' ? now - 3600 : now);
  switch (spec.platform) {
    case 'slack': {
      const mac = crypto.createHmac('sha256', spec.signing === 'forged' ? 'guess' : SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex');
      return { 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${mac}` };
    }
    case 'discord': {
      const key = spec.signing === 'forged' ? crypto.generateKeyPairSync('ed25519').privateKey : discordKeys.privateKey;
      return { 'x-signature-timestamp': ts, 'x-signature-ed25519': crypto.sign(null, Buffer.from(ts + body), key).toString('hex') };
    }
    case 'feishu': {
      const nonce = crypto.randomBytes(6).toString('hex');
      const sig = crypto.createHash('sha256').update(ts + nonce + (spec.signing === 'forged' ? 'guess' : FEISHU_KEY) + body).digest('hex');
      return { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': sig };
    }
    default:
      return {};
  }
}

function finalBody(spec: Spec): string {
  return spec.platform === 'feishu' && spec.feishuEncrypt ? JSON.stringify({ encrypt: encryptFeishu(FEISHU_KEY, spec.body) }) : spec.body;
}

// ---------------------------------------------------------------- clients

/** Sends one request; resolves with the status (the body is not waited for: SSE never ends). */
function send(port: number, spec: Spec): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = finalBody(spec);
    const headers: Record<string, string> = {};
    for (const [k, v] of spec.headers) headers[k] = v;
    if (spec.contentType) headers['content-type'] = spec.contentType;
    if (spec.signing !== 'none') Object.assign(headers, signedHeaders(spec, body));
    const payload = spec.method === 'GET' || spec.method === 'HEAD' ? '' : body;
    // A declared length far above every limit, with no body: refused on the header.
    if (spec.declareHuge && payload) headers['content-length'] = String(100 * 1024 * 1024);
    else delete headers['content-length'];
    delete headers['transfer-encoding'];
    delete headers['host'];
    delete headers['expect'];
    delete headers['connection'];
    const req = http.request({ host: '127.0.0.1', port, method: spec.method, path: spec.path, headers, agent: false, timeout: 5_000 }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${spec.method} ${spec.path}`)));
    req.on('error', reject);
    if (spec.declareHuge && payload) req.end();
    else req.end(payload);
  });
}

const rawArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => ({ bytes: Buffer.from(b), abort: false })),
  fc.tuple(fc.constantFrom(...ROUTES, '//', '/feishu/events'), fc.string({ maxLength: 30 })).map(([p, junk]) => ({ bytes: Buffer.from(`POST ${p} HTTP/1.1\r\nHost: x\r\n${junk}\r\n\r\n`, 'latin1'), abort: false })),
  // Truncated upload: declares more than it sends, then the client goes away.
  fc.tuple(fc.constantFrom('/slack/events', '/discord/interactions', '/feishu/events', '/feishu/card', '/nowhere'), fc.integer({ min: 1, max: 5000 }), fc.string({ maxLength: 50 })).map(([p, n, part]) => ({
    bytes: Buffer.from(`POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${n + part.length + 1}\r\n\r\n${part}`, 'utf8'),
    abort: true,
  })),
  fc.constantFrom(
    'GET // HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    'POST /feishu/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'GET /healthz HTTP/9.9\r\n\r\n',
    '\r\n\r\n\r\n',
  ).map((s) => ({ bytes: Buffer.from(s, 'latin1'), abort: false })),
);

/** Writes raw bytes; resolves with the status of the first answer, or 0 when there was none. */
function sendRaw(port: number, r: { bytes: Buffer; abort: boolean }): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const done = () => {
      socket.destroy();
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0));
    };
    socket.setTimeout(5_000, done);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(r.bytes, () => {
      if (r.abort) setImmediate(() => socket.destroy());
      else socket.end();
    });
  });
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------- the test

describe('HTTP server fuzz (every webhook configured)', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let app: RunningApp;
  let port = 0;

  beforeAll(async () => {
    recorder = await startRecorder();
    const home = mkdtempSync(path.join(os.tmpdir(), 'cie-fuzz-'));
    app = await startApp({
      host: '127.0.0.1',
      port: 0,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        DATA_DIR: path.join(home, 'data'),
        HF_ENDPOINT: `${recorder.url}/hf`,
        SLACK_BOT_TOKEN: 'xoxb-fuzz',
        SLACK_SIGNING_SECRET: SLACK_SECRET,
        SLACK_API_URL: `${recorder.url}/slack/api/`,
        DISCORD_PUBLIC_KEY: DISCORD_PUBLIC,
        DISCORD_APP_ID,
        DISCORD_API_URL: `${recorder.url}/discord`,
        FEISHU_APP_ID: 'cli_0123456789abcdef',
        FEISHU_APP_SECRET: 'fuzz-secret',
        FEISHU_ENCRYPT_KEY: FEISHU_KEY,
        FEISHU_VERIFICATION_TOKEN: FEISHU_TOKEN,
        FEISHU_MODE: 'webhook',
        FEISHU_DOMAIN: recorder.url,
      },
    });
    port = Number(new URL(app.url).port);
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await new Promise((resolve) => recorder?.server.close(resolve));
  }, 60_000);

  it('never answers 500, stays up, and never calls out with a path shaped by input', async () => {
    const specs = fc.sample(specArb, { seed: SEED, numRuns: HTTP_REQUESTS });
    const raws = fc.sample(rawArb, { seed: SEED + 1, numRuns: RAW_REQUESTS });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const note = (status: number, what: string) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500 && status !== 503) failures.push(`${status} ${what}`);
    };
    const structured = specs.map((s) => async () => {
        try {
          const status = await send(port, s);
          note(status, `${s.method} ${s.path} ${s.platform}/${s.signing} ${s.body.slice(0, 120)}`);
          // A stale or forged signature is never accepted (Feishu does not sign its URL challenge).
          const unsignedChallenge = s.platform === 'feishu' && s.body.includes('url_verification');
          if ((s.signing === 'stale' || s.signing === 'forged') && s.platform !== 'none' && status === 200 && !unsignedChallenge) {
            failures.push(`accepted a ${s.signing} signature: ${s.platform} ${s.body.slice(0, 120)}`);
          }
        } catch (err) {
          failures.push(`no answer: ${s.method} ${s.path} ${s.platform}/${s.signing}: ${(err as Error).message} ${s.body.slice(0, 120)}`);
        }
      });
    const raw = raws.map((r) => async () => note(await sendRaw(port, r), `raw ${JSON.stringify(r.bytes.toString('latin1').slice(0, 80))}`));
    // The raw requests interleaved with the others, so both kinds are in flight together.
    const every = Math.ceil(structured.length / raw.length);
    const work = structured.flatMap((w, i) => (i % every === 0 && raw[i / every] ? [w, raw[i / every]!] : [w]));
    await pool(work, CONCURRENCY, (w) => w());

    // FUZZ_DEBUG=1 shows what the run exercised.
    if (process.env.FUZZ_DEBUG) console.log({ statuses: [...statuses.entries()].sort(), outsideCalls: recorder.calls.length });
    expect(failures.slice(0, 10)).toEqual([]);
    // Every family of answer was exercised, not only refusals at the door.
    for (const s of [200, 400, 401, 404, 405, 413]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(0);

    // Still alive and serving.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

    // Give background work (engine replies, downloads) a moment to make the calls it would make.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bad = recorder.calls.filter((c) => {
      let decoded = c.url;
      try {
        decoded = decodeURIComponent(c.url);
      } catch {
        /* keep the raw form */
      }
      return c.url.includes(MARK) || decoded.includes(MARK) || !ALLOWED_CALLS.some((re) => re.test(c.url));
    });
    expect(bad.slice(0, 10)).toEqual([]);
    expect(recorder.calls.length).toBeGreaterThan(0);
  });
});
