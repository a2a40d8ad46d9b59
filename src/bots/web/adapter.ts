import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { BotState } from '../../engine/engine.js';
import type { ChatAdapter, ImageRef, MessageRef, Reply, ThreadRef, UserRef } from '../../engine/types.js';
import type { MessageKey } from '../../i18n/index.js';
import { UserFacingError } from '../../util/errors.js';

/** A reply as the browser receives it: images become URLs served by the playground. */
export interface WireReply {
  text: string;
  fields?: { label: string; value: string }[];
  images?: { url: string; alt: string; width?: number; height?: number; mimeType: string }[];
  buttons?: Reply['buttons'];
  select?: Reply['select'];
  progress?: Reply['progress'];
  ephemeral?: boolean;
  kind?: Reply['kind'];
  /** The engine's idempotency key (Reply.key): lets it find this reply again after a restart. */
  key?: string;
}

/** One line of a playground thread: the bot posting or editing a reply, or the user's own message. */
export interface WireEvent {
  seq: number;
  kind: 'send' | 'update' | 'user';
  id: string;
  reply: WireReply;
}

interface Session {
  events: WireEvent[];
  streams: Set<ServerResponse>;
  seq: number;
  /** Loaded from the store (once per process). */
  loaded?: Promise<void>;
  /** Writes of this thread, one after the other, so sequence numbers and the stream stay in order. */
  chain: Promise<unknown>;
}

/** What the store keeps of a thread. */
interface ThreadRecord {
  seq: number;
  events: WireEvent[];
}

const MAX_EVENTS_PER_SESSION = 200;
/** How long an idle playground thread is kept in the store. */
const THREAD_TTL_MS = 30 * 86_400_000;
/** Uploads and replies' images kept for the page, bounded by bytes (the oldest go first). */
export const IMAGE_BUDGET_BYTES = 256 * 1024 * 1024;
const BLOB_ID = /^[0-9a-f]{64}\.[a-z]{2,4}$/;

/**
 * The playground's ChatAdapter: replies are kept per session (so a reload replays the thread)
 * and pushed to open Server-Sent-Event streams. With the bot's durable state (the app gives it),
 * the thread (the user's messages too) and its photos live in the state store and the image
 * store, so they come back after a restart and a reply finished during a shutdown reaches the page
 * when it reconnects. Without it (some tests), everything stays in memory, images within a budget.
 */
export class WebAdapter implements ChatAdapter {
  readonly platform = 'web' as const;
  private readonly sessions = new Map<string, Session>();
  private readonly images: LRUCache<string, { data: Buffer; mimeType: string }>;
  private state?: BotState;

  constructor(
    private readonly limitBytes = 50 * 1024 * 1024,
    budgetBytes = IMAGE_BUDGET_BYTES,
  ) {
    this.images = new LRUCache({ maxSize: budgetBytes, sizeCalculation: (img) => Math.max(1, img.data.length) });
  }

  /** Keeps threads and photos in the bot's durable state from now on. */
  useState(state: BotState | undefined): void {
    this.state = state;
  }

  /** Bytes of photos held in memory now, and the budget (the memory test reads it). */
  get memory(): { bytes: number; budget: number; count: number } {
    return { bytes: this.images.calculatedSize, budget: this.images.maxSize, count: this.images.size };
  }

  /** An upload that was refused: only why is kept (in the reference itself, so it survives a restart). */
  refuse(reason: UserFacingError): Pick<ImageRef, 'id' | 'meta'> {
    return { id: `r_${randomBytes(12).toString('hex')}`, meta: { refusal: JSON.stringify({ key: reason.key, params: reason.params ?? {} }) } };
  }

  uploadLimit(_thread: ThreadRef): number {
    return this.limitBytes;
  }

  async send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    const id = `m_${randomBytes(8).toString('hex')}`;
    await this.push(thread.thread, 'send', id, reply);
    return { platform: 'web', channel: thread.channel, thread: thread.thread, id };
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    await this.push(message.thread, 'update', message.id, reply);
  }

  async sendEphemeral(thread: ThreadRef, _user: UserRef, reply: Reply): Promise<void> {
    // The playground has one user per session: an ephemeral reply is an ordinary one, marked.
    await this.send(thread, { ...reply, ephemeral: true });
  }

  async findSent(thread: ThreadRef, key: string): Promise<MessageRef | undefined> {
    const session = this.session(thread.thread);
    await this.loaded(session, thread.thread);
    const hit = session.events.find((e) => e.kind === 'send' && e.reply.key === key);
    return hit ? { platform: 'web', channel: thread.channel, thread: thread.thread, id: hit.id } : undefined;
  }

  /** The user's own message, kept in the thread so a reload (or a restart) shows the whole conversation. */
  async recordUser(sessionId: string, id: string, text: string, imageUrls: string[]): Promise<void> {
    await this.append(sessionId, 'user', id, { text, images: imageUrls.map((url) => ({ url, alt: '', mimeType: 'image/*' })) });
  }

  async image(id: string): Promise<{ data: Buffer; mimeType: string } | undefined> {
    const cached = this.images.get(id);
    if (cached) return cached;
    if (!this.state || !BLOB_ID.test(id)) return undefined;
    const data = await this.state.blobs.get(id).catch(() => undefined);
    return data ? { data, mimeType: mimeOf(id) } : undefined;
  }

  /** An upload of this playground (kept by keepImage). */
  async download(image: ImageRef): Promise<Buffer> {
    if (image.meta?.refusal) {
      const { key, params } = JSON.parse(image.meta.refusal) as { key: MessageKey; params: Record<string, string | number> };
      throw new UserFacingError(key, params);
    }
    const kept = await this.image(image.id);
    if (!kept) throw new UserFacingError('web.image_expired');
    return kept.data;
  }

  /** Keeps an uploaded photo so the page can show it (before/after, point picking) and the engine can read it. */
  async keepImage(data: Buffer, mimeType: string): Promise<string> {
    if (this.state) return (await this.state.blobs.put(data, mimeType)).id;
    const id = `i_${randomBytes(12).toString('hex')}`;
    this.images.set(id, { data, mimeType });
    return id;
  }

  /** Opens an SSE stream for a session, replaying events after `since`. */
  async subscribe(sessionId: string, res: ServerResponse, since = 0): Promise<void> {
    const session = this.session(sessionId);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    await this.loaded(session, sessionId).catch(() => undefined);
    // After what is already queued for the stream, so nothing is sent twice or skipped.
    await session.chain;
    if (res.destroyed) return;
    for (const ev of session.events) if (ev.seq > since) writeEvent(res, ev);
    session.streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(ping);
      session.streams.delete(res);
    });
  }

  history(sessionId: string): WireEvent[] {
    return this.session(sessionId).events;
  }

  closeAll(): void {
    for (const s of this.sessions.values()) for (const res of s.streams) res.end();
  }

  private session(id: string): Session {
    let s = this.sessions.get(id);
    if (!s) {
      s = { events: [], streams: new Set(), seq: 0, chain: Promise.resolve() };
      this.sessions.set(id, s);
    }
    return s;
  }

  private loaded(session: Session, sessionId: string): Promise<void> {
    const state = this.state;
    if (!state) return Promise.resolve();
    session.loaded ??= state.get<ThreadRecord>(`thread:${sessionId}`).then((rec) => {
      if (!rec) return;
      session.events = rec.events;
      session.seq = rec.seq;
    });
    return session.loaded;
  }

  private async push(sessionId: string, kind: 'send' | 'update', id: string, reply: Reply): Promise<void> {
    const images: WireReply['images'] = [];
    for (const img of reply.images ?? []) {
      images.push({ url: `/api/images/${await this.keepImage(img.data, img.mimeType)}`, alt: img.alt, width: img.width, height: img.height, mimeType: img.mimeType });
    }
    const wire: WireReply = {
      text: reply.text,
      fields: reply.fields,
      buttons: reply.buttons,
      select: reply.select,
      progress: reply.progress,
      ephemeral: reply.ephemeral,
      kind: reply.kind,
      key: reply.key,
      images: reply.images ? images : undefined,
    };
    await this.append(sessionId, kind, id, wire);
  }

  /** Adds an event to the thread (in the store first, when there is one), then to open streams. */
  private append(sessionId: string, kind: WireEvent['kind'], id: string, wire: WireReply): Promise<void> {
    const session = this.session(sessionId);
    const write = session.chain.then(async () => {
      await this.loaded(session, sessionId).catch(() => undefined);
      let ev: WireEvent;
      if (this.state) {
        let added!: WireEvent;
        const rec = await this.state.update<ThreadRecord>(
          `thread:${sessionId}`,
          (cur) => {
            added = { seq: (cur?.seq ?? 0) + 1, kind, id, reply: wire };
            return { seq: added.seq, events: [...(cur?.events ?? []), added].slice(-MAX_EVENTS_PER_SESSION) };
          },
          THREAD_TTL_MS,
        );
        session.events = rec!.events;
        session.seq = rec!.seq;
        ev = added;
      } else {
        ev = { seq: ++session.seq, kind, id, reply: wire };
        session.events.push(ev);
        if (session.events.length > MAX_EVENTS_PER_SESSION) session.events.splice(0, session.events.length - MAX_EVENTS_PER_SESSION);
      }
      for (const res of session.streams) writeEvent(res, ev);
    });
    session.chain = write.catch(() => undefined);
    return write;
  }
}

function mimeOf(id: string): string {
  const ext = id.slice(id.lastIndexOf('.') + 1);
  return ({ png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', tiff: 'image/tiff' } as Record<string, string>)[ext] ?? 'application/octet-stream';
}

function writeEvent(res: ServerResponse, ev: WireEvent): void {
  res.write(`id: ${ev.seq}\nevent: reply\ndata: ${JSON.stringify(ev)}\n\n`);
}
