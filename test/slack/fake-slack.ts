import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { startFakeServer, sendJson, type FakeRequest, type FakeServer } from '../fakes/http.js';

export const BOT_TOKEN = 'xoxb-test-bot-token';
export const APP_TOKEN = 'xapp-test-app-token';
export const BOT_USER = 'UBOT0001';
export const BOT_ID = 'BBOT0001';
export const TEAM = 'T0TEAM01';

export interface PostedMessage {
  method: 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral';
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  text: string;
  blocks: Array<Record<string, any>>;
  /** Message metadata (chat.postMessage `metadata`), returned by conversations.replies with include_all_metadata. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface Upload {
  fileId: string;
  filename: string;
  bytes: Buffer;
  channel_id?: string;
  thread_ts?: string;
  completed: boolean;
  /** Alt text given to files.getUploadURLExternal (as `alt_txt`, documented, or `alt_text`, the SDK's name). */
  altText?: string;
  /** Where Slack shared the file (files.info `shares`): set only once it really appears in the thread. */
  shares?: Record<string, Record<string, { ts: string; thread_ts?: string; channel_name: string }[]>>;
  /** The file message's text (completeUploadExternal `initial_comment`). */
  initialComment?: string;
}

export interface UserFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
  mode: 'hosted';
}

/**
 * A loopback Slack: the Web API methods the bot calls (form-encoded, token in the Authorization
 * header, `ok` envelopes), the external upload URL of files.uploadV2, url_private downloads that
 * demand the bot token (answering Slack's HTML sign-in page otherwise) and Socket Mode:
 * apps.connections.open hands out a ws:// URL whose server says `hello` and expects envelope acks.
 */
export class FakeSlack {
  server!: FakeServer;
  readonly messages: PostedMessage[] = [];
  readonly uploads = new Map<string, Upload>();
  readonly files = new Map<string, { meta: UserFile; bytes: Buffer }>();
  readonly downloads: { path: string; authorized: boolean }[] = [];
  readonly acks = new Map<string, unknown>();
  readonly sockets = new Set<WebSocket>();
  authTestCalls = 0;
  /**
   * A slow Slack: every Web API call takes effect at once but is answered only after this many
   * milliseconds (the worst case for a client that gives up waiting: the post exists, the client
   * never learnt its ts).
   */
  delayMs = 0;
  /**
   * Things Slack accepts but its documentation advises against, noted for tests to assert none:
   * more than one primary button in a message, a block_id reused for changed content in
   * chat.update, `&`, `<` or `>` unescaped in a message's text.
   */
  readonly violations: string[] = [];
  /** Models the public reports: alt text on getUploadURLExternal leaves the completed file unshared. */
  altTextLeavesUnshared = true;
  /** Completed uploads are never shared (a workspace where sharing fails): `ok`, and nothing in the thread. */
  neverShare = false;
  /** What people posted, by channel, for conversations.replies. */
  readonly history = new Map<string, Array<Record<string, unknown> & { ts: string; thread_ts?: string }>>();
  private wss?: WebSocketServer;
  private ts = 1_700_000_000;
  private ackWaiters = new Map<string, (payload: unknown) => void>();
  private helloWaiters: Array<() => void> = [];

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
    fake.server = await startFakeServer((req, res) => fake.handle(req, res));
    fake.wss = new WebSocketServer({ server: fake.server.server, path: '/socket' });
    fake.wss.on('connection', (ws) => {
      fake.sockets.add(ws);
      ws.on('close', () => fake.sockets.delete(ws));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (!msg.envelope_id) return;
        fake.acks.set(msg.envelope_id, msg.payload);
        fake.ackWaiters.get(msg.envelope_id)?.(msg.payload);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-fake', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0APP001' } }));
      for (const w of fake.helloWaiters.splice(0)) w();
    });
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  /** SLACK_API_URL for the bot. */
  get apiUrl(): string {
    return `${this.server.url}/api/`;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    await this.server.close();
  }

  /** A file a user shared, downloadable at url_private with the bot token. */
  addUserFile(bytes: Buffer, name = 'photo.png', mimetype = 'image/png'): UserFile {
    const id = `F${String(this.files.size + 1).padStart(8, '0')}`;
    const meta: UserFile = {
      id,
      name,
      mimetype,
      filetype: name.split('.').pop() ?? 'png',
      size: bytes.length,
      url_private: `${this.server.url}/files-pri/${TEAM}-${id}/${name}`,
      url_private_download: `${this.server.url}/files-pri/${TEAM}-${id}/download/${name}`,
      mode: 'hosted',
    };
    this.files.set(id, { meta, bytes });
    return meta;
  }

  /** Records a user's post so conversations.replies can return it (events are sent separately). */
  addHistory(channel: string, message: Record<string, unknown> & { ts: string; thread_ts?: string }): void {
    const list = this.history.get(channel) ?? [];
    list.push(message);
    this.history.set(channel, list);
  }

  nextTs(): string {
    this.ts += 1;
    return `${this.ts}.000100`;
  }

  /** Uploads that completed and really appeared in a channel (shared), oldest first. */
  completedUploads(): Upload[] {
    return [...this.uploads.values()].filter((u) => u.completed && u.shares);
  }

  /**
   * The messages the bot left in a thread as its members see them: cards (postMessage, however often
   * updated) and shared files; ephemeral messages are not part of the thread.
   */
  threadMessages(channel: string, threadTs: string): { kind: 'card' | 'file'; ts: string }[] {
    const cards = this.messages.filter((m) => m.method === 'chat.postMessage' && m.channel === channel && m.thread_ts === threadTs).map((m) => ({ kind: 'card' as const, ts: m.ts }));
    const files = [...this.uploads.values()]
      .filter((u) => u.shares && u.channel_id === channel && u.thread_ts === threadTs)
      .map((u) => ({ kind: 'file' as const, ts: Object.values(u.shares!)[0]![channel]![0]!.ts }));
    return [...cards, ...files].sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  private noteGuidance(method: string, text: string | undefined, raw: string | undefined, ts?: string): void {
    const blocks = parseBlocks(raw);
    const primaries = blocks.flatMap((b) => (b.elements ?? []) as Record<string, any>[]).filter((e) => e.type === 'button' && e.style === 'primary');
    if (primaries.length > 1) this.violations.push(`${method}: ${primaries.length} primary buttons in one message`);
    if (text && /&(?!amp;|lt;|gt;)|<|>/.test(text)) this.violations.push(`${method}: unescaped text ${JSON.stringify(text.slice(0, 60))}`);
    if (method === 'chat.update' && ts) {
      const previous = this.messages.filter((m) => m.ts === ts).at(-1);
      for (const b of blocks) {
        const old = previous?.blocks.find((o) => o.block_id !== undefined && o.block_id === b.block_id);
        if (old && JSON.stringify(old) !== JSON.stringify(b)) this.violations.push(`chat.update: block_id ${b.block_id} reused for changed content`);
      }
    }
  }

  // ---- Socket Mode -------------------------------------------------------------------------

  waitForConnection(): Promise<void> {
    if (this.sockets.size) return Promise.resolve();
    return new Promise((r) => this.helloWaiters.push(r));
  }

  /** Sends one Socket Mode envelope and resolves with the client's ack payload. */
  sendEnvelope(type: 'events_api' | 'interactive', payload: unknown, opts: { retryAttempt?: number; envelopeId?: string } = {}): Promise<unknown> {
    const envelope_id = opts.envelopeId ?? randomUUID();
    const acked = new Promise<unknown>((resolve) => this.ackWaiters.set(envelope_id, resolve));
    const frame: Record<string, unknown> = { envelope_id, type, payload, accepts_response_payload: type !== 'events_api' };
    if (type === 'events_api') {
      frame.retry_attempt = opts.retryAttempt ?? 0;
      frame.retry_reason = opts.retryAttempt ? 'timeout' : '';
    }
    const [ws] = [...this.sockets];
    if (!ws) throw new Error('no socket mode connection');
    ws.send(JSON.stringify(frame));
    return acked;
  }

  // ---- Web API -----------------------------------------------------------------------------

  private handle(req: FakeRequest, res: http.ServerResponse): void {
    if (this.delayMs > 0 && req.path.startsWith('/api/')) {
      const delay = this.delayMs;
      const writeHead = res.writeHead.bind(res);
      const end = res.end.bind(res);
      // The call's effect happens now; the answer leaves later (or never, when the caller went away).
      let head: unknown[] | undefined;
      res.writeHead = ((...args: unknown[]) => ((head = args), res)) as never;
      res.end = ((...args: unknown[]) => {
        setTimeout(() => {
          if (res.destroyed) return;
          if (head) (writeHead as (...a: unknown[]) => void)(...head);
          (end as (...a: unknown[]) => void)(...args);
        }, delay);
        return res;
      }) as never;
    }
    if (req.method === 'GET' && req.path.startsWith('/files-pri/')) return this.download(req, res);
    if (req.method === 'POST' && req.path.startsWith('/upload/')) return void this.receiveUpload(req, res);
    if (req.method !== 'POST' || !req.path.startsWith('/api/')) return sendJson(res, 404, { ok: false, error: 'unknown_method' });
    const method = req.path.slice('/api/'.length);
    const args = formArgs(req);
    const auth = String(req.headers.authorization ?? '');
    if (method === 'apps.connections.open') {
      if (auth !== `Bearer ${APP_TOKEN}`) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
      return sendJson(res, 200, { ok: true, url: `ws://127.0.0.1:${this.server.port}/socket?ticket=${randomUUID()}` });
    }
    if (auth !== `Bearer ${BOT_TOKEN}`) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        this.authTestCalls += 1;
        return sendJson(res, 200, { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'editor', team_id: TEAM, user_id: BOT_USER, bot_id: BOT_ID });
      case 'chat.postMessage': {
        const invalid = blockKitProblem(args.blocks);
        if (invalid) return sendJson(res, 200, { ok: false, error: 'invalid_blocks', errors: [invalid] });
        if (!args.text && !args.blocks) return sendJson(res, 200, { ok: false, error: 'no_text' });
        this.noteGuidance(method, args.text, args.blocks);
        const ts = this.nextTs();
        const metadata = args.metadata ? (JSON.parse(args.metadata) as PostedMessage['metadata']) : undefined;
        this.messages.push({ method, channel: args.channel, ts, thread_ts: args.thread_ts, text: args.text ?? '', blocks: parseBlocks(args.blocks), ...(metadata ? { metadata } : {}) });
        return sendJson(res, 200, { ok: true, channel: args.channel, ts, message: { text: args.text, ts } });
      }
      case 'chat.update': {
        const invalid = blockKitProblem(args.blocks, true);
        if (invalid) return sendJson(res, 200, { ok: false, error: 'invalid_blocks', errors: [invalid] });
        if (!this.messages.some((m) => m.ts === args.ts)) return sendJson(res, 200, { ok: false, error: 'message_not_found' });
        this.noteGuidance(method, args.text, args.blocks, args.ts);
        this.messages.push({ method, channel: args.channel, ts: args.ts, text: args.text ?? '', blocks: parseBlocks(args.blocks) });
        return sendJson(res, 200, { ok: true, channel: args.channel, ts: args.ts, text: args.text });
      }
      case 'chat.postEphemeral': {
        const invalid = blockKitProblem(args.blocks);
        if (invalid) return sendJson(res, 200, { ok: false, error: 'invalid_blocks', errors: [invalid] });
        const ts = this.nextTs();
        this.messages.push({ method, channel: args.channel, ts, thread_ts: args.thread_ts, user: args.user, text: args.text ?? '', blocks: parseBlocks(args.blocks) });
        return sendJson(res, 200, { ok: true, message_ts: ts });
      }
      case 'files.getUploadURLExternal': {
        const fileId = `F${randomUUID().slice(0, 8).toUpperCase()}`;
        if (!args.filename || !args.length) return sendJson(res, 200, { ok: false, error: 'invalid_arguments' });
        const altText = args.alt_txt ?? args.alt_text;
        this.uploads.set(fileId, { fileId, filename: args.filename, bytes: Buffer.alloc(0), completed: false, ...(altText ? { altText } : {}) });
        return sendJson(res, 200, { ok: true, upload_url: `${this.server.url}/upload/${fileId}`, file_id: fileId });
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(args.files ?? '[]') as { id: string; title?: string }[];
        for (const f of files) {
          const u = this.uploads.get(f.id);
          if (!u || !u.bytes.length) return sendJson(res, 200, { ok: false, error: 'file_not_found' });
          Object.assign(u, { channel_id: args.channel_id, thread_ts: args.thread_ts, completed: true, initialComment: args.initial_comment });
          if (args.initial_comment) this.noteGuidance('files.completeUploadExternal', args.initial_comment, undefined);
          // Sharing is asynchronous at Slack; here it happens at once, unless alt text got in the way.
          if (args.channel_id && !this.neverShare && !(u.altText && this.altTextLeavesUnshared)) {
            const kind = args.channel_id.startsWith('C') ? 'public' : 'private';
            u.shares = { [kind]: { [args.channel_id]: [{ ts: this.nextTs(), ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}), channel_name: 'design' }] } };
          }
        }
        // As documented: ok with the ids and titles; whether the file was shared is files.info's to say.
        return sendJson(res, 200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) });
      }
      case 'conversations.replies': {
        // People's posts, and the bot's own (with their metadata when asked for it).
        const withMeta = args.include_all_metadata === 'true' || args.include_all_metadata === '1';
        const own = this.messages
          .filter((m) => m.method === 'chat.postMessage' && m.channel === args.channel)
          .map((m) => ({ type: 'message', ts: m.ts, thread_ts: m.thread_ts, bot_id: BOT_ID, user: BOT_USER, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        const all = [...(this.history.get(args.channel) ?? []), ...own].sort((a, b) => Number(a.ts) - Number(b.ts));
        const inThread = all.filter((m) => m.ts === args.ts || m.thread_ts === args.ts);
        const latest = args.latest ? Number(args.latest) : Infinity;
        const inclusive = args.inclusive === 'true' || args.inclusive === '1';
        const messages = inThread.filter((m) => m.ts === args.ts || Number(m.ts) < latest || (inclusive && Number(m.ts) === latest));
        return sendJson(res, 200, { ok: true, messages, has_more: false });
      }
      case 'files.info': {
        const up = this.uploads.get(args.file);
        if (up?.completed) return sendJson(res, 200, { ok: true, file: { id: up.fileId, name: up.filename, title: up.filename, shares: up.shares ?? {} } });
        const f = this.files.get(args.file);
        if (!f) return sendJson(res, 200, { ok: false, error: 'file_not_found' });
        return sendJson(res, 200, { ok: true, file: f.meta });
      }
      default:
        return sendJson(res, 200, { ok: false, error: 'unknown_method' });
    }
  }

  private download(req: FakeRequest, res: http.ServerResponse): void {
    const authorized = req.headers.authorization === `Bearer ${BOT_TOKEN}`;
    this.downloads.push({ path: req.path, authorized });
    const id = req.path.split('/')[2]?.split('-')[1] ?? '';
    const file = this.files.get(id);
    if (!authorized) {
      // What Slack really does without a valid token: its sign-in page, status 200.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
      return;
    }
    if (!file) return sendJson(res, 404, { ok: false });
    res.writeHead(200, { 'content-type': file.meta.mimetype, 'content-length': String(file.bytes.length) });
    res.end(file.bytes);
  }

  private async receiveUpload(req: FakeRequest, res: http.ServerResponse): Promise<void> {
    const id = req.path.split('/')[2] ?? '';
    const upload = this.uploads.get(id);
    if (!upload) {
      res.writeHead(404);
      res.end();
      return;
    }
    const type = String(req.headers['content-type'] ?? 'application/octet-stream');
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(req.body, { headers: { 'content-type': type } }).formData();
      for (const [, value] of form.entries()) {
        if (typeof value !== 'string') upload.bytes = Buffer.from(await value.arrayBuffer());
      }
    } else {
      upload.bytes = req.body;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${upload.bytes.length}`);
  }
}

function formArgs(req: FakeRequest): Record<string, string> {
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('json')) return Object.fromEntries(Object.entries((req.json ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return Object.fromEntries(new URLSearchParams(req.body.toString('utf8')).entries());
}

/**
 * The Block Kit limits Slack enforces (api.slack.com/reference/block-kit), answered the way Slack
 * does: `invalid_blocks` with a reason. Returns undefined when the blocks are acceptable.
 */
export function blockKitProblem(raw: string | undefined, allowEmpty = false): string | undefined {
  if (raw === undefined) return undefined;
  const blocks = JSON.parse(raw) as Array<Record<string, any>>;
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (!blocks.length && !allowEmpty) return 'no blocks';
  if (blocks.length > 50) return 'more than 50 blocks';
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  for (const b of blocks) {
    if (b.block_id !== undefined) {
      if (blockIds.has(b.block_id) || String(b.block_id).length > 255) return `bad block_id ${b.block_id}`;
      blockIds.add(b.block_id);
    }
    if (b.type === 'section') {
      const len = [...String(b.text?.text ?? '')].length;
      if (len < 1 || len > 3000) return 'section text must be 1..3000 characters';
    } else if (b.type === 'context') {
      if (!b.elements?.length || b.elements.length > 10) return 'context needs 1..10 elements';
    } else if (b.type === 'actions') {
      if (!b.elements?.length || b.elements.length > 25) return 'actions needs 1..25 elements';
      for (const e of b.elements) {
        if (!e.action_id || String(e.action_id).length > 255 || actionIds.has(e.action_id)) return `bad action_id ${e.action_id}`;
        actionIds.add(e.action_id);
        if (e.type === 'button') {
          if ([...String(e.text?.text ?? '')].length > 75 || !e.text?.text) return 'button text must be 1..75 characters';
          if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') return `bad button style ${e.style}`;
        } else if (e.type === 'static_select' || e.type === 'multi_static_select') {
          if (!e.options?.length || e.options.length > 100) return 'select needs 1..100 options';
          if ([...String(e.placeholder?.text ?? '')].length > 150) return 'placeholder over 150 characters';
          for (const o of e.options) if ([...String(o.text?.text ?? '')].length > 75 || String(o.value).length > 150) return 'option too long';
          if (e.type === 'multi_static_select' && e.max_selected_items !== undefined && e.max_selected_items < 1) return 'max_selected_items < 1';
        } else return `unsupported element ${e.type}`;
      }
    } else if (b.type !== 'image' && b.type !== 'divider' && b.type !== 'header') return `unsupported block ${b.type}`;
  }
  return undefined;
}

function parseBlocks(raw: string | undefined): Array<Record<string, any>> {
  if (!raw) return [];
  return JSON.parse(raw) as Array<Record<string, any>>;
}

// ---- Payload builders (the shapes Slack sends) -------------------------------------------------

let eventSeq = 0;

export function eventEnvelope(event: Record<string, unknown>, eventId = `Ev${String(++eventSeq).padStart(8, '0')}`): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM,
    api_app_id: 'A0APP001',
    event: { event_ts: event.ts, ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: TEAM, user_id: BOT_USER, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

export function mentionEvent(opts: { channel: string; ts: string; text: string; files?: unknown[]; thread_ts?: string; user?: string }): Record<string, unknown> {
  return {
    type: 'app_mention',
    user: opts.user ?? 'UHUMAN01',
    text: `<@${BOT_USER}> ${opts.text}`,
    ts: opts.ts,
    channel: opts.channel,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
    ...(opts.files ? { files: opts.files, upload: false } : {}),
  };
}

export function messageEvent(opts: {
  channel: string;
  channel_type: 'im' | 'channel' | 'group';
  ts: string;
  text: string;
  files?: unknown[];
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
}): Record<string, unknown> {
  return {
    type: 'message',
    ...(opts.subtype ? { subtype: opts.subtype } : opts.files ? { subtype: 'file_share' } : {}),
    user: opts.user ?? 'UHUMAN01',
    text: opts.text,
    ts: opts.ts,
    channel: opts.channel,
    channel_type: opts.channel_type,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
    ...(opts.files ? { files: opts.files, upload: false } : {}),
    ...(opts.bot_id ? { bot_id: opts.bot_id } : {}),
  };
}

/** A block_actions payload for a click on `actionId` in the bot's message `message`. */
export function blockActions(opts: {
  message: PostedMessage;
  threadTs: string;
  actionId: string;
  selected?: string[];
  user?: string;
}): Record<string, unknown> {
  const element = opts.message.blocks.flatMap((b) => (b.elements ?? []) as Record<string, any>[]).find((e) => e.action_id === opts.actionId);
  if (!element) throw new Error(`no control ${opts.actionId} in message ${opts.message.ts}`);
  const action: Record<string, unknown> = { action_id: opts.actionId, block_id: 'b', type: element.type, action_ts: `${Date.now() / 1000}` };
  if (element.type === 'button') Object.assign(action, { value: element.value, text: element.text });
  if (element.type === 'multi_static_select') {
    action.selected_options = (opts.selected ?? []).map((v) => (element.options as any[]).find((o) => o.value === v));
  }
  return {
    type: 'block_actions',
    user: { id: opts.user ?? 'UHUMAN01', username: 'ana', name: 'ana', team_id: TEAM },
    api_app_id: 'A0APP001',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: opts.message.ts, channel_id: opts.message.channel, is_ephemeral: false, thread_ts: opts.threadTs },
    trigger_id: `${Math.floor(Math.random() * 1e12)}.1.${randomUUID().replace(/-/g, '')}`,
    team: { id: TEAM, domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: opts.message.channel, name: 'design' },
    message: { type: 'message', user: BOT_USER, bot_id: BOT_ID, ts: opts.message.ts, thread_ts: opts.threadTs, text: opts.message.text, blocks: opts.message.blocks },
    state: { values: {} },
    response_url: `http://127.0.0.1:9/actions/${randomUUID()}`,
    actions: [action],
  };
}
