import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A loopback fake of Discord: the REST API (under /api/v10, as @discordjs/rest calls it), the
 * gateway (JSON over WebSocket, no compression), and a CDN path serving attachments. It keeps
 * messages and threads like Discord does so the real discord.js client can be driven through a
 * whole session, and records every request for assertions.
 */

export const APP_ID = '1100000000000000001';
export const BOT_ID = '1100000000000000001';
export const GUILD_ID = '1100000000000000002';
export const CHANNEL_ID = '1100000000000000003';
export const USER = { id: '1100000000000000004', username: 'alice', global_name: 'Alice', discriminator: '0', avatar: null };
const BOT_USER = { id: BOT_ID, username: 'editbot', global_name: null, discriminator: '0', avatar: null, bot: true };

export interface FakeFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Path after /api/v10. */
  route: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  json?: any;
  files: FakeFile[];
}

export interface StoredAttachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  url: string;
  proxy_url: string;
  description?: string;
  data: Buffer;
}

export interface StoredMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: unknown[];
  components: any[];
  attachments: StoredAttachment[];
  flags: number;
  author: typeof BOT_USER | typeof USER;
  interactionId?: string;
  deleted?: boolean;
}

interface PendingInteraction {
  id: string;
  token: string;
  channelId: string;
  originalId?: string;
  /** Component interactions edit the message they sit on as @original. */
  componentMessageId?: string;
  acked?: number;
  /** Resolves once the interaction was acknowledged (callback endpoint or HTTP response). */
  ackReady: Promise<void>;
  markAcked: () => void;
  createdAt: number;
  /** Set by expireTokens(): Discord stopped honouring the token (15 minutes passed). */
  expired?: boolean;
}

/** Discord's interaction tokens are valid for 15 minutes. */
export const TOKEN_LIFE_MS = 15 * 60 * 1000;
/** Message flags an edit may carry (Edit Webhook Message / Edit Message): SUPPRESS_EMBEDS, IS_COMPONENTS_V2. */
const EDITABLE_FLAGS = 4 | 32768;

function invalidForm(message: string): { status: number; body: unknown } {
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors: { _errors: [{ code: 'BASE_TYPE_INVALID', message }] } } };
}

/**
 * The component limits Discord enforces on a message (Message Components docs): at most 5 action
 * rows; a row holds 1–5 buttons or exactly one select; custom_id 1–100 characters and unique in the
 * message; button label ≤ 80; a select has 1–25 options and 0 ≤ min_values ≤ max_values ≤ 25.
 */
export function componentProblem(components: unknown): string | undefined {
  if (components === undefined || components === null) return undefined;
  if (!Array.isArray(components)) return 'components must be an array';
  if (components.length > 5) return 'more than 5 action rows';
  const ids = new Set<string>();
  for (const row of components as any[]) {
    if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length === 0) return 'an action row needs components';
    const selects = row.components.filter((c: any) => c.type === 3);
    if (selects.length && row.components.length > 1) return 'a select must be alone in its row';
    if (row.components.length > 5) return 'more than 5 buttons in a row';
    for (const c of row.components) {
      if (c.type === 2) {
        if (c.style !== 5 && c.style !== 6 && (typeof c.custom_id !== 'string' || c.custom_id.length < 1 || c.custom_id.length > 100)) return 'button custom_id must be 1..100 characters';
        if (c.label !== undefined && [...String(c.label)].length > 80) return 'button label over 80 characters';
        if (c.disabled !== undefined && typeof c.disabled !== 'boolean') return 'disabled must be a boolean';
      } else if (c.type === 3) {
        if (!Array.isArray(c.options) || c.options.length < 1 || c.options.length > 25) return 'a select needs 1..25 options';
        const min = c.min_values ?? 1;
        const max = c.max_values ?? 1;
        if (min < 0 || max > 25 || min > max || max > c.options.length) return 'bad min_values / max_values';
      } else return `unsupported component type ${c.type}`;
      if (c.custom_id !== undefined) {
        if (ids.has(c.custom_id)) return `duplicate custom_id ${c.custom_id}`;
        ids.add(c.custom_id);
      }
    }
  }
  return undefined;
}

class FormError extends Error {}

let counter = 0n;
export function snowflake(): string {
  counter += 1n;
  // Discord-shaped ids with a current timestamp (discord.js derives createdAt from them).
  return ((BigInt(Date.now() - 1420070400000) << 22n) + counter).toString();
}

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly messages = new Map<string, StoredMessage>();
  readonly threads = new Map<string, { id: string; parent_id: string; name: string }>();
  readonly interactions = new Map<string, PendingInteraction>();
  readonly identifies: any[] = [];
  readonly cdnFiles = new Map<string, { data: Buffer; contentType: string }>();
  readonly registeredCommands: { route: string; body: any }[] = [];
  /** Requests refused with 400 Invalid Form Body, and why. */
  readonly rejected: { route: string; reason: string }[] = [];
  url = '';
  private server!: http.Server;
  private wss!: WebSocketServer;
  private sockets = new Set<WebSocket>();
  private seq = 0;
  private readyWaiters: (() => void)[] = [];
  identified = false;
  /** Intents the fake's "portal" has not enabled: identifying with any of them closes with 4014. */
  refusedIntents = 0;

  get apiUrl(): string {
    return `${this.url}/api`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.onHttp(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
          if (err instanceof FormError) {
            const { status, body } = invalidForm(err.message);
            this.rejected.push({ route: req.url ?? '', reason: err.message });
            if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
            return;
          }
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: String(err), code: 0 }));
        });
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every interaction token handed out so far stops working, as 15 minutes later at Discord. */
  expireTokens(): void {
    for (const p of this.interactions.values()) p.expired = true;
  }

  /** Resolves once a client has identified and received READY + GUILD_CREATE. */
  waitForReady(): Promise<void> {
    if (this.identified) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Puts a file on the fake CDN and returns the attachment object Discord would send. */
  addAttachment(filename: string, data: Buffer, contentType: string): Omit<StoredAttachment, 'data'> {
    const id = snowflake();
    const url = `${this.url}/cdn/attachments/${CHANNEL_ID}/${id}/${filename}`;
    this.cdnFiles.set(new URL(url).pathname, { data, contentType });
    return { id, filename, content_type: contentType, size: data.length, url, proxy_url: url };
  }

  // ── gateway ────────────────────────────────────────────────────────────────
  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 40_000 }, s: null, t: null }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { op: number; d: any };
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      if (msg.op === 2) {
        this.identifies.push(msg.d);
        if (msg.d.intents & this.refusedIntents) {
          ws.close(4014, 'Disallowed intent(s).');
          return;
        }
        this.send(ws, 'READY', {
          v: 10,
          user: BOT_USER,
          guilds: [{ id: GUILD_ID, unavailable: true }],
          session_id: 'fake-session',
          resume_gateway_url: this.url.replace('http', 'ws') + '/gateway',
          shard: [0, 1],
          application: { id: APP_ID, flags: 0 },
        });
        this.send(ws, 'GUILD_CREATE', this.guild());
        this.identified = true;
        for (const w of this.readyWaiters.splice(0)) w();
      }
    });
  }

  private send(ws: WebSocket, t: string, d: unknown): void {
    ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
  }

  dispatch(t: string, d: unknown): void {
    for (const ws of this.sockets) this.send(ws, t, d);
  }

  private guild(): unknown {
    return {
      id: GUILD_ID,
      name: 'Fake guild',
      icon: null,
      owner_id: USER.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: GUILD_ID, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      channels: [{ id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: 'general', position: 0, parent_id: null, permission_overwrites: [], nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0 }],
      threads: [],
    };
  }

  // ── events a user causes ──────────────────────────────────────────────────
  private member(): unknown {
    return { user: USER, roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, permissions: '2248473465835073' };
  }

  private channelPayload(channelId: string): unknown {
    const thread = this.threads.get(channelId);
    return thread
      ? { id: thread.id, type: 11, guild_id: GUILD_ID, name: thread.name, parent_id: thread.parent_id, permissions: '2248473465835073', thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false } }
      : { id: channelId, type: 0, guild_id: GUILD_ID, name: 'general', parent_id: null, permissions: '2248473465835073' };
  }

  private interactionBase(type: number, channelId: string, locale: string): any {
    const id = snowflake();
    const token = `interaction-token-${id}`;
    let markAcked!: () => void;
    const ackReady = new Promise<void>((resolve) => (markAcked = resolve));
    this.interactions.set(token, { id, token, channelId, ackReady, markAcked, createdAt: Date.now() });
    return {
      id,
      application_id: APP_ID,
      type,
      token,
      version: 1,
      guild_id: GUILD_ID,
      channel_id: channelId,
      channel: this.channelPayload(channelId),
      member: this.member(),
      locale,
      guild_locale: 'en-US',
      app_permissions: '2248473465835073',
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD_ID },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
    };
  }

  /** A slash command payload (also used signed, in HTTP mode). */
  slashCommand(
    name: string,
    opts: { attachment?: Omit<StoredAttachment, 'data'>; instruction?: string; channelId?: string; locale?: string; options?: { name: string; type: number; value: unknown }[] } = {},
  ): any {
    const payload = this.interactionBase(2, opts.channelId ?? CHANNEL_ID, opts.locale ?? 'en-US');
    const options: unknown[] = [];
    if (opts.attachment) options.push({ name: 'image', type: 11, value: opts.attachment.id });
    if (opts.instruction !== undefined) options.push({ name: 'instruction', type: 3, value: opts.instruction });
    options.push(...(opts.options ?? []));
    payload.data = {
      id: '1100000000000000099',
      name,
      type: 1,
      options,
      ...(opts.attachment ? { resolved: { attachments: { [opts.attachment.id]: opts.attachment } } } : {}),
    };
    return payload;
  }

  /** The "Edit image" message context-menu command on a user's message with attachments. */
  messageCommand(name: string, target: { content: string; attachments: Omit<StoredAttachment, 'data'>[] }): any {
    const payload = this.interactionBase(2, CHANNEL_ID, 'zh-CN');
    const message = {
      id: snowflake(),
      channel_id: CHANNEL_ID,
      author: USER,
      content: target.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: target.attachments,
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
    };
    payload.data = { id: '1100000000000000098', name, type: 3, target_id: message.id, resolved: { messages: { [message.id]: message } } };
    return payload;
  }

  /** A click on a button (or a choice in a select) on a stored message. */
  componentClick(messageId: string, customId: string, values?: string[]): any {
    const message = this.messages.get(messageId);
    if (!message) throw new Error(`no message ${messageId}`);
    const payload = this.interactionBase(3, message.channel_id, 'en-US');
    this.interactions.get(payload.token)!.componentMessageId = messageId;
    payload.message = this.messageJson(message);
    payload.data = values ? { custom_id: customId, component_type: 3, values } : { custom_id: customId, component_type: 2 };
    return payload;
  }

  sendInteraction(payload: unknown): void {
    this.dispatch('INTERACTION_CREATE', payload);
  }

  /** A user's message (MESSAGE_CREATE), e.g. a follow-up in a session thread. */
  userMessage(channelId: string, content: string, attachments: Omit<StoredAttachment, 'data'>[] = []): string {
    const id = snowflake();
    this.messages.set(id, { id, channel_id: channelId, content, embeds: [], components: [], attachments: [], flags: 0, author: USER });
    this.dispatch('MESSAGE_CREATE', {
      id,
      channel_id: channelId,
      guild_id: GUILD_ID,
      author: USER,
      member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: content.includes(`<@${BOT_ID}>`) ? [BOT_USER] : [],
      mention_roles: [],
      attachments,
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
    });
    return id;
  }

  // ── REST ──────────────────────────────────────────────────────────────────
  messageJson(m: StoredMessage): any {
    return {
      id: m.id,
      channel_id: m.channel_id,
      guild_id: GUILD_ID,
      author: m.author,
      content: m.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: m.attachments.map(({ data: _data, ...a }) => a),
      embeds: m.embeds,
      components: m.components,
      pinned: false,
      type: m.interactionId ? 20 : 0,
      flags: m.flags,
      ...(m.interactionId ? { webhook_id: APP_ID, application_id: APP_ID } : {}),
    };
  }

  private async parseBody(headers: http.IncomingHttpHeaders, body: Buffer): Promise<{ json?: any; files: FakeFile[] }> {
    const type = headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': type } }).formData();
      const files: FakeFile[] = [];
      let json: any;
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          if (field === 'payload_json') json = JSON.parse(value);
        } else {
          files.push({ field, filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
        }
      }
      return { json, files };
    }
    if (type.includes('json') && body.length) return { json: JSON.parse(body.toString('utf8')), files: [] };
    return { files: [] };
  }

  /** Applies a create/edit payload (with multipart files) to a stored message, as Discord does. */
  private applyPayload(m: StoredMessage, json: any, files: FakeFile[]): void {
    if (json === undefined) return;
    const problem = componentProblem(json.components);
    if (problem) throw new FormError(problem);
    if ('content' in json) m.content = json.content ?? '';
    if ('embeds' in json) m.embeds = json.embeds ?? [];
    if ('components' in json) m.components = json.components ?? [];
    if (typeof json.flags === 'number') m.flags = json.flags;
    if ('attachments' in json) {
      const next: StoredAttachment[] = [];
      for (const a of json.attachments ?? []) {
        const kept = m.attachments.find((x) => x.id === String(a.id));
        if (kept) {
          next.push(kept);
          continue;
        }
        const file = files.find((f) => f.field === `files[${a.id}]`);
        if (!file) throw new Error(`attachment ${a.id} has no files[${a.id}] part`);
        const id = snowflake();
        const url = `${this.url}/cdn/attachments/${m.channel_id}/${id}/${a.filename ?? file.filename}`;
        this.cdnFiles.set(new URL(url).pathname, { data: file.data, contentType: file.contentType });
        next.push({ id, filename: a.filename ?? file.filename, content_type: file.contentType, size: file.data.length, url, proxy_url: url, description: a.description, data: file.data });
      }
      m.attachments = next;
    }
  }

  private acknowledge(pending: PendingInteraction, response: any): StoredMessage | undefined {
    pending.acked = response.type;
    let message: StoredMessage | undefined;
    if (response.type === 5 || response.type === 4) {
      message = this.newMessage(pending.channelId, pending.id);
      message.flags = 128 | (response.data?.flags ?? 0); // LOADING until filled
      pending.originalId = message.id;
    }
    pending.markAcked();
    return message;
  }

  /**
   * HTTP interactions mode: Discord POSTs the signed interaction to the bot's endpoint and treats
   * the HTTP response as the acknowledgement.
   */
  async deliverHttp(endpoint: string, payload: unknown, headers: (body: string) => Record<string, string>): Promise<{ status: number; body: any }> {
    const body = JSON.stringify(payload);
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...headers(body) }, body });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    const token = (payload as { token?: string }).token;
    const pending = token ? this.interactions.get(token) : undefined;
    if (pending && res.status === 200 && json && typeof json.type === 'number' && json.type !== 1) this.acknowledge(pending, json);
    return { status: res.status, body: json };
  }

  private newMessage(channelId: string, interactionId?: string): StoredMessage {
    const m: StoredMessage = { id: snowflake(), channel_id: channelId, content: '', embeds: [], components: [], attachments: [], flags: 0, author: BOT_USER, interactionId };
    this.messages.set(m.id, m);
    return m;
  }

  private reply(res: http.ServerResponse, status: number, body?: unknown): void {
    if (body === undefined) {
      res.writeHead(status);
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private notFound(res: http.ServerResponse, code: number, message: string): void {
    this.reply(res, 404, { message, code });
  }

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/cdn/')) {
      const file = this.cdnFiles.get(url.pathname);
      if (!file) return this.notFound(res, 0, 'no such file');
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) });
      res.end(file.data);
      return;
    }
    const prefix = '/api/v10';
    if (!url.pathname.startsWith(prefix)) return this.notFound(res, 0, 'not found');
    const route = decodeURIComponent(url.pathname.slice(prefix.length));
    const { json, files } = await this.parseBody(req.headers, body);
    this.requests.push({ method, route, query: url.searchParams, headers: req.headers, json, files });
    const parts = route.split('/').filter(Boolean);

    if (method === 'GET' && route === '/gateway/bot') {
      return this.reply(res, 200, {
        url: this.url.replace('http', 'ws') + '/gateway',
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    // POST /interactions/{id}/{token}/callback
    if (method === 'POST' && parts[0] === 'interactions' && parts[3] === 'callback') {
      const pending = this.interactions.get(parts[2]);
      if (!pending || pending.id !== parts[1]) return this.notFound(res, 10062, 'Unknown interaction');
      if (pending.acked) return this.reply(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      const message = this.acknowledge(pending, json);
      if (url.searchParams.get('with_response') !== 'true') return this.reply(res, 204);
      return this.reply(res, 200, {
        interaction: { id: pending.id, type: 2, activity_instance_id: null, response_message_id: message?.id ?? null, response_message_loading: Boolean(message), response_message_ephemeral: false },
        resource: { type: json.type, ...(message ? { message: this.messageJson(message) } : {}) },
      });
    }
    // /webhooks/{app}/{token}[/messages/{id}]
    if (parts[0] === 'webhooks') {
      const pending = this.interactions.get(parts[2]);
      if (parts[1] !== APP_ID || !pending) return this.notFound(res, 10015, 'Unknown Webhook');
      // Interaction tokens are valid for 15 minutes.
      if (pending.expired || Date.now() > pending.createdAt + TOKEN_LIFE_MS) return this.reply(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
      // Discord accepts webhook calls only after it has processed the acknowledgement.
      if (!pending.acked) await Promise.race([pending.ackReady, new Promise((r) => setTimeout(r, 2000))]);
      if (!pending.acked) return this.notFound(res, 10015, 'Unknown Webhook');
      if (method === 'POST' && parts.length === 3) {
        const m = this.newMessage(pending.channelId, pending.id);
        this.applyPayload(m, json, files);
        return this.reply(res, 200, this.messageJson(m));
      }
      if (parts[3] === 'messages') {
        const target = parts[4] === '@original' ? (pending.componentMessageId ?? pending.originalId) : parts[4];
        const m = target ? this.messages.get(target) : undefined;
        if (!m || m.deleted) return this.notFound(res, 10008, 'Unknown Message');
        if (method === 'GET') return this.reply(res, 200, this.messageJson(m));
        if (method === 'DELETE') {
          m.deleted = true;
          return this.reply(res, 204);
        }
        if (method === 'PATCH') {
          // Ephemerality is chosen by the interaction response; an edit may carry SUPPRESS_EMBEDS / IS_COMPONENTS_V2 only.
          if (typeof json?.flags === 'number' && (json.flags & ~EDITABLE_FLAGS) !== 0) throw new FormError(`flags ${json.flags} cannot be set on Edit Webhook Message`);
          this.applyPayload(m, json, files);
          m.flags &= ~128;
          return this.reply(res, 200, this.messageJson(m));
        }
      }
    }
    // /channels/{id}/messages[/{id}[/threads]]
    if (parts[0] === 'channels' && parts[2] === 'messages') {
      const channelId = parts[1];
      const isKnownChannel = channelId === CHANNEL_ID || this.threads.has(channelId);
      if (!isKnownChannel) return this.notFound(res, 10003, 'Unknown Channel');
      if (method === 'POST' && parts.length === 3) {
        const m = this.newMessage(channelId);
        this.applyPayload(m, json, files);
        return this.reply(res, 200, this.messageJson(m));
      }
      const m = this.messages.get(parts[3]);
      if (!m || m.channel_id !== channelId) return this.notFound(res, 10008, 'Unknown Message');
      if (method === 'PATCH' && parts.length === 4) {
        this.applyPayload(m, json, files);
        return this.reply(res, 200, this.messageJson(m));
      }
      if (method === 'POST' && parts[4] === 'threads') {
        const thread = { id: m.id, parent_id: channelId, name: String(json.name) };
        this.threads.set(thread.id, thread);
        const payload = {
          id: thread.id,
          type: 11,
          guild_id: GUILD_ID,
          parent_id: channelId,
          name: thread.name,
          owner_id: BOT_ID,
          last_message_id: null,
          rate_limit_per_user: 0,
          message_count: 0,
          member_count: 1,
          thread_metadata: { archived: false, auto_archive_duration: json.auto_archive_duration ?? 1440, archive_timestamp: new Date().toISOString(), locked: false },
          flags: 0,
        };
        this.dispatch('THREAD_CREATE', { ...payload, newly_created: true });
        return this.reply(res, 201, payload);
      }
    }
    // PUT /applications/{app}/commands, PUT /applications/{app}/guilds/{guild}/commands
    if (method === 'PUT' && parts[0] === 'applications' && parts[parts.length - 1] === 'commands') {
      // contexts and integration_types are for globally-scoped commands only.
      if (parts[2] === 'guilds' && (json as any[]).some((c) => 'contexts' in c || 'integration_types' in c)) {
        throw new FormError('contexts and integration_types are only for globally-scoped commands');
      }
      this.registeredCommands.push({ route, body: json });
      return this.reply(
        res,
        200,
        (json as any[]).map((c) => ({ ...c, id: snowflake(), application_id: APP_ID, version: snowflake() })),
      );
    }
    return this.notFound(res, 0, `fake has no route ${method} ${route}`);
  }
}
