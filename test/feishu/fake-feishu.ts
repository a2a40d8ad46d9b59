import crypto from 'node:crypto';
import type http from 'node:http';
import protobuf from 'protobufjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { sendJson, startFakeServer, type FakeRequest, type FakeServer } from '../fakes/http.js';

/**
 * A loopback Feishu Open Platform: tenant token, bot info, im messages (reply/create/patch/get),
 * image upload, message resources, and the long-connection endpoint speaking the SDK's pbbp2
 * protobuf frames. The real @larksuiteoapi/node-sdk talks to it through FEISHU_DOMAIN.
 */

export const APP_ID = 'cli_0123456789abcdef';
export const APP_SECRET = 'fake-app-secret';
export const BOT_OPEN_ID = 'ou_bot_0000';
export const TENANT = 'tenant_fake';

// The frame schema the SDK compiles into its bundle (pbbp2.Frame / pbbp2.Header), same field ids.
const pbRoot = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Frame: {
          fields: {
            SeqID: { type: 'uint64', id: 1 },
            LogID: { type: 'uint64', id: 2 },
            service: { type: 'int32', id: 3 },
            method: { type: 'int32', id: 4 },
            headers: { rule: 'repeated', type: 'Header', id: 5 },
            payloadEncoding: { type: 'string', id: 6 },
            payloadType: { type: 'string', id: 7 },
            payload: { type: 'bytes', id: 8 },
            LogIDNew: { type: 'string', id: 9 },
          },
        },
      },
    },
  },
});
const Frame = pbRoot.lookupType('pbbp2.Frame');

export interface WsFrame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: { key: string; value: string }[];
  payload?: Uint8Array;
}

export function encodeFrame(frame: WsFrame): Uint8Array {
  return Frame.encode(Frame.fromObject(frame)).finish();
}

export function decodeFrame(data: Uint8Array): WsFrame {
  return Frame.toObject(Frame.decode(data), { longs: Number, defaults: true }) as WsFrame;
}

export interface StoredMessage {
  message_id: string;
  root_id?: string;
  parent_id?: string;
  chat_id: string;
  msg_type: string;
  content: string;
  reply_in_thread?: boolean;
  sender?: { id: string; id_type: string; sender_type: string };
}

/** Feishu: at most 5 messages per second into one group, shared by all bots (im/v1/messages). */
export const GROUP_SEND_LIMIT = 5;
export const GROUP_SEND_WINDOW_MS = 1000;

export interface FakeFeishu {
  url: string;
  server: FakeServer;
  /** Images users "sent", served by the message-resource API: `${messageId}/${imageKey}` → bytes. */
  resources: Map<string, Buffer>;
  /** Uploaded images by image_key. */
  uploads: Map<string, Buffer>;
  /** Messages the bot sent (replies and creates), in order. */
  sent: StoredMessage[];
  /** "Only visible to you" cards: chat, user and card. */
  ephemeral: { chat_id: string; open_id: string; card: unknown }[];
  /** Card patches in order. */
  patches: { message_id: string; content: string }[];
  /** Messages known to the fake (users' and the bot's) for GET /messages/:id. */
  messages: Map<string, StoredMessage>;
  wsConnections(): number;
  /** Pushes an event over the long connection; resolves to the client's decoded answer payload. */
  pushWs(payload: unknown): Promise<{ code: number; data?: unknown }>;
  requests(pathPrefix: string): FakeRequest[];
  /** Sends refused with 230020 (over 5 messages per second in one group), by chat. */
  rateLimited: { chat_id: string; at: number }[];
  /** Counts `n` messages into a chat now, as other bots in the group would (the limit is shared). */
  occupy(chatId: string, n: number): void;
  close(): Promise<void>;
}

/** The named part's bytes; like Feishu, a file part without a filename does not count. */
function multipartFile(req: FakeRequest, field: string): Buffer | undefined {
  const type = String(req.headers['content-type'] ?? '');
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!boundary) return undefined;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let pos = req.body.indexOf(marker);
  while (pos !== -1) {
    const next = req.body.indexOf(marker, pos + marker.length);
    if (next === -1) break;
    const part = req.body.subarray(pos + marker.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    if (new RegExp(`name="${field}"`).test(headers)) {
      return /filename="[^"]+"/.test(headers) ? Buffer.from(part.subarray(headerEnd + 4)) : undefined;
    }
    pos = next;
  }
  return undefined;
}

export async function startFakeFeishu(): Promise<FakeFeishu> {
  const resources = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer>();
  const sent: StoredMessage[] = [];
  const patches: { message_id: string; content: string }[] = [];
  const ephemeral: { chat_id: string; open_id: string; card: unknown }[] = [];
  const messages = new Map<string, StoredMessage>();
  const rateLimited: { chat_id: string; at: number }[] = [];
  const sendTimes = new Map<string, number[]>();
  /** Whether one more message may go into the chat now (counting it when it may). */
  const admit = (chatId: string): boolean => {
    const now = Date.now();
    const recent = (sendTimes.get(chatId) ?? []).filter((at) => now - at < GROUP_SEND_WINDOW_MS);
    if (recent.length >= GROUP_SEND_LIMIT) {
      sendTimes.set(chatId, recent);
      rateLimited.push({ chat_id: chatId, at: now });
      return false;
    }
    recent.push(now);
    sendTimes.set(chatId, recent);
    return true;
  };
  const limited = (res: http.ServerResponse) => sendJson(res, 400, { code: 230020, msg: 'This operation triggers the frequency limit.' });
  const BOT_SENDER = { id: APP_ID, id_type: 'app_id', sender_type: 'app' };
  let counter = 0;
  const token = 't-fake-tenant-token';

  const authorized = (req: FakeRequest, res: http.ServerResponse): boolean => {
    if (req.headers.authorization === `Bearer ${token}`) return true;
    sendJson(res, 400, { code: 99991663, msg: 'Invalid access token for authorization.' });
    return false;
  };

  const store = (m: StoredMessage): StoredMessage => {
    messages.set(m.message_id, m);
    sent.push(m);
    return m;
  };

  let wsUrl = '';
  const server = await startFakeServer((req, res) => {
    const p = req.path;
    if (req.method === 'POST' && p === '/open-apis/auth/v3/tenant_access_token/internal') {
      const body = req.json as { app_id?: string; app_secret?: string } | undefined;
      if (body?.app_id !== APP_ID || body.app_secret !== APP_SECRET) return sendJson(res, 200, { code: 10014, msg: 'app secret invalid' });
      return sendJson(res, 200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
    }
    if (req.method === 'POST' && p === '/callback/ws/endpoint') {
      const body = req.json as { AppID?: string; AppSecret?: string } | undefined;
      if (body?.AppID !== APP_ID || body.AppSecret !== APP_SECRET) return sendJson(res, 200, { code: 514, msg: 'auth failed', data: {} });
      return sendJson(res, 200, {
        code: 0,
        msg: 'ok',
        data: { URL: wsUrl, ClientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 } },
      });
    }
    if (!authorized(req, res)) return;
    if (req.method === 'GET' && p === '/open-apis/bot/v3/info') {
      return sendJson(res, 200, { code: 0, msg: 'ok', bot: { activate_status: 2, app_name: 'Photo Bot', open_id: BOT_OPEN_ID } });
    }
    if (req.method === 'POST' && p === '/open-apis/ephemeral/v1/send') {
      const body = req.json as { chat_id?: string; open_id?: string; msg_type?: string; card?: { schema?: string } };
      if (!body?.chat_id || !body.open_id || body.msg_type !== 'interactive' || !body.card || body.card.schema) {
        return sendJson(res, 400, { code: 10002, msg: 'bad ephemeral request' });
      }
      if (body.chat_id.startsWith('oc_p2p')) return sendJson(res, 400, { code: 10003, msg: 'not a group chat' });
      if (!admit(body.chat_id)) return limited(res);
      ephemeral.push({ chat_id: body.chat_id, open_id: body.open_id, card: body.card });
      return sendJson(res, 200, { code: 0, msg: 'ok', data: { message_id: `om_eph_${++counter}` } });
    }
    if (req.method === 'POST' && p === '/open-apis/im/v1/images') {
      const image = multipartFile(req, 'image');
      if (!image || image.length === 0) return sendJson(res, 400, { code: 234001, msg: 'Invalid request param.' });
      const key = `img_v3_fake_${++counter}`;
      uploads.set(key, image);
      return sendJson(res, 200, { code: 0, msg: 'success', data: { image_key: key } });
    }
    let m = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && m) {
      const bytes = resources.get(`${m[1]}/${m[2]}`);
      if (!bytes || req.query.get('type') !== 'image') return sendJson(res, 400, { code: 234003, msg: 'File not in msg.' });
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(bytes.length) });
      res.end(bytes);
      return;
    }
    m = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(p);
    if (req.method === 'POST' && m) {
      const parent = messages.get(m[1]);
      if (!parent) return sendJson(res, 400, { code: 230011, msg: 'The message was withdrawn.' });
      const body = req.json as { msg_type: string; content: string; reply_in_thread?: boolean };
      if (!admit(parent.chat_id)) return limited(res);
      const stored = store({
        sender: BOT_SENDER,
        message_id: `om_bot_${++counter}`,
        root_id: parent.root_id ?? parent.message_id,
        parent_id: parent.message_id,
        chat_id: parent.chat_id,
        msg_type: body.msg_type,
        content: body.content,
        reply_in_thread: body.reply_in_thread,
      });
      return sendJson(res, 200, { code: 0, msg: 'success', data: stored });
    }
    if (req.method === 'POST' && p === '/open-apis/im/v1/messages') {
      const body = req.json as { receive_id: string; msg_type: string; content: string };
      if (req.query.get('receive_id_type') !== 'chat_id') return sendJson(res, 400, { code: 230001, msg: 'bad receive_id_type' });
      if (!admit(body.receive_id)) return limited(res);
      const stored = store({ sender: BOT_SENDER, message_id: `om_bot_${++counter}`, chat_id: body.receive_id, msg_type: body.msg_type, content: body.content });
      return sendJson(res, 200, { code: 0, msg: 'success', data: stored });
    }
    m = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(p);
    if (m && req.method === 'PATCH') {
      const target = messages.get(m[1]);
      const body = req.json as { content?: string };
      if (!target || target.msg_type !== 'interactive' || !body?.content) return sendJson(res, 400, { code: 230001, msg: 'bad patch' });
      const card = JSON.parse(body.content) as { config?: { update_multi?: boolean } };
      if (card.config?.update_multi !== true) return sendJson(res, 400, { code: 230099, msg: 'card is not shared (update_multi)' });
      target.content = body.content;
      patches.push({ message_id: m[1], content: body.content });
      return sendJson(res, 200, { code: 0, msg: 'success', data: {} });
    }
    if (m && req.method === 'GET') {
      const target = messages.get(m[1]);
      if (!target) return sendJson(res, 400, { code: 230002, msg: 'message not found' });
      return sendJson(res, 200, { code: 0, msg: 'success', data: { items: [{ ...target, body: { content: target.content } }] } });
    }
    sendJson(res, 404, { code: 404, msg: `fake feishu: no route ${req.method} ${p}` });
  });

  wsUrl = `ws://127.0.0.1:${server.port}/ws?device_id=fake_device&service_id=7`;
  const wss = new WebSocketServer({ server: server.server, path: '/ws' });
  const sockets = new Set<WebSocket>();
  const waiting = new Map<string, (payload: { code: number; data?: unknown }) => void>();
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(data);
      const headers = Object.fromEntries(frame.headers.map((h) => [h.key, h.value]));
      if (frame.method === 0 && headers.type === 'ping') {
        const pong = { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 };
        socket.send(encodeFrame({ ...frame, headers: [{ key: 'type', value: 'pong' }], payload: Buffer.from(JSON.stringify(pong)) }));
        return;
      }
      const resolve = waiting.get(headers.message_id);
      if (frame.method === 1 && resolve) {
        waiting.delete(headers.message_id);
        const answer = JSON.parse(Buffer.from(frame.payload ?? []).toString('utf8')) as { code: number; data?: string };
        resolve({ code: answer.code, data: answer.data ? JSON.parse(Buffer.from(answer.data, 'base64').toString('utf8')) : undefined });
      }
    });
  });

  let seq = 0;
  return {
    url: server.url,
    server,
    resources,
    uploads,
    sent,
    patches,
    ephemeral,
    messages,
    wsConnections: () => sockets.size,
    pushWs(payload) {
      const socket = [...sockets][0];
      if (!socket) return Promise.reject(new Error('no long connection open'));
      const id = `ws_msg_${++seq}`;
      const answered = new Promise<{ code: number; data?: unknown }>((resolve) => waiting.set(id, resolve));
      socket.send(
        encodeFrame({
          SeqID: seq,
          LogID: seq,
          service: 7,
          method: 1,
          headers: [
            { key: 'type', value: 'event' },
            { key: 'message_id', value: id },
            { key: 'sum', value: '1' },
            { key: 'seq', value: '0' },
            { key: 'trace_id', value: `trace_${seq}` },
          ],
          payload: Buffer.from(JSON.stringify(payload)),
        }),
      );
      return answered;
    },
    requests: (prefix) => server.requests.filter((r) => r.path.startsWith(prefix)),
    rateLimited,
    occupy(chatId, n) {
      const now = Date.now();
      sendTimes.set(chatId, [...(sendTimes.get(chatId) ?? []), ...Array.from({ length: n }, () => now)]);
    },
    async close() {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await server.close();
    },
  };
}

// ---- payload builders (what Feishu pushes) ----

export function encryptFeishu(encryptKey: string, plaintext: string): string {
  const key = crypto.createHash('sha256').update(encryptKey).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

export interface UserMessage {
  eventId: string;
  messageId: string;
  rootId?: string;
  parentId?: string;
  chatId?: string;
  chatType?: 'p2p' | 'group';
  messageType: 'text' | 'image' | 'post' | 'file';
  content: unknown;
  mentions?: { key: string; openId: string; name: string }[];
  sender?: string;
  senderType?: string;
  token?: string;
}

export function messageEvent(m: UserMessage): Record<string, unknown> {
  return {
    schema: '2.0',
    header: {
      event_id: m.eventId,
      token: m.token ?? 'verify-token',
      create_time: String(Date.now()),
      event_type: 'im.message.receive_v1',
      tenant_key: TENANT,
      app_id: APP_ID,
    },
    event: {
      sender: { sender_id: { open_id: m.sender ?? 'ou_user_1', union_id: 'on_u1', user_id: 'u1' }, sender_type: m.senderType ?? 'user', tenant_key: TENANT },
      message: {
        message_id: m.messageId,
        root_id: m.rootId,
        parent_id: m.parentId ?? m.rootId,
        create_time: String(Date.now()),
        chat_id: m.chatId ?? 'oc_group_1',
        chat_type: m.chatType ?? 'group',
        message_type: m.messageType,
        content: JSON.stringify(m.content),
        mentions: (m.mentions ?? []).map((x) => ({ key: x.key, id: { open_id: x.openId, union_id: '', user_id: '' }, name: x.name, tenant_key: TENANT })),
      },
    },
  };
}

export function cardActionEvent(a: {
  eventId: string;
  messageId: string;
  chatId?: string;
  operator?: string;
  value: Record<string, string>;
  formValue?: Record<string, unknown>;
  token?: string;
}): Record<string, unknown> {
  return {
    schema: '2.0',
    header: {
      event_id: a.eventId,
      token: a.token ?? 'verify-token',
      create_time: String(Date.now() * 1000),
      event_type: 'card.action.trigger',
      tenant_key: TENANT,
      app_id: APP_ID,
    },
    event: {
      operator: { tenant_key: TENANT, user_id: 'u1', open_id: a.operator ?? 'ou_user_1', union_id: 'on_u1' },
      token: `c-${a.eventId}`,
      action: { value: a.value, tag: 'button', name: 'cie_b0_0', ...(a.formValue ? { form_value: a.formValue } : {}) },
      host: 'im_message',
      context: { open_message_id: a.messageId, open_chat_id: a.chatId ?? 'oc_group_1' },
    },
  };
}

/** What Feishu's push servers send in webhook mode: encrypted body and signature headers. */
export function signedRequest(
  payload: unknown,
  opts: { encryptKey: string; signWith?: string; timestamp?: string; nonce?: string },
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ encrypt: encryptFeishu(opts.encryptKey, JSON.stringify(payload)) });
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? crypto.randomBytes(8).toString('hex');
  const signature = crypto
    .createHash('sha256')
    .update(timestamp + nonce + (opts.signWith ?? opts.encryptKey) + body)
    .digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': signature,
    },
  };
}
