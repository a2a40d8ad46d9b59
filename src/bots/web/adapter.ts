import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { ChatAdapter, ImageRef, MessageRef, Reply, ThreadRef, UserRef } from '../../engine/types.js';
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
}

export interface WireEvent {
  seq: number;
  kind: 'send' | 'update';
  id: string;
  reply: WireReply;
}

interface Session {
  events: WireEvent[];
  streams: Set<ServerResponse>;
  seq: number;
}

const MAX_EVENTS_PER_SESSION = 200;
/** Uploads and replies' images kept for the page, bounded by bytes (the oldest go first). */
export const IMAGE_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The playground's ChatAdapter: replies are kept per session (so a reload replays the thread)
 * and pushed to open Server-Sent-Event streams. Images are held in a bounded in-memory store.
 */
export class WebAdapter implements ChatAdapter {
  readonly platform = 'web' as const;
  private readonly sessions = new Map<string, Session>();
  private readonly images: LRUCache<string, { data: Buffer; mimeType: string }>;
  /** Uploads refused at the door: only the reason is kept, for the engine's answer. */
  private readonly refused = new LRUCache<string, UserFacingError>({ max: 1000 });

  constructor(
    private readonly limitBytes = 50 * 1024 * 1024,
    budgetBytes = IMAGE_BUDGET_BYTES,
  ) {
    this.images = new LRUCache({ maxSize: budgetBytes, sizeCalculation: (img) => Math.max(1, img.data.length) });
  }

  /** Bytes of photos held now, and the budget (the memory test reads it). */
  get memory(): { bytes: number; budget: number; count: number } {
    return { bytes: this.images.calculatedSize, budget: this.images.maxSize, count: this.images.size };
  }

  /** An id for an upload that was refused; downloading it throws the refusal. */
  refuse(reason: UserFacingError): string {
    const id = `r_${randomBytes(12).toString('hex')}`;
    this.refused.set(id, reason);
    return id;
  }

  uploadLimit(_thread: ThreadRef): number {
    return this.limitBytes;
  }

  async send(thread: ThreadRef, reply: Reply): Promise<MessageRef> {
    const id = `m_${randomBytes(8).toString('hex')}`;
    this.push(thread.thread, 'send', id, reply);
    return { platform: 'web', channel: thread.channel, thread: thread.thread, id };
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    this.push(message.thread, 'update', message.id, reply);
  }

  async sendEphemeral(thread: ThreadRef, _user: UserRef, reply: Reply): Promise<void> {
    // The playground has one user per session: an ephemeral reply is an ordinary one, marked.
    await this.send(thread, { ...reply, ephemeral: true });
  }

  image(id: string): { data: Buffer; mimeType: string } | undefined {
    return this.images.get(id);
  }

  /** An upload of this playground (kept by keepImage). */
  async download(image: ImageRef): Promise<Buffer> {
    const refusal = this.refused.get(image.id);
    if (refusal) throw refusal;
    const kept = this.images.get(image.id);
    if (!kept) throw new UserFacingError('web.image_expired');
    return kept.data;
  }

  /** Keeps an uploaded photo so the page can show it (before/after, point picking). */
  keepImage(data: Buffer, mimeType: string): string {
    const id = `i_${randomBytes(12).toString('hex')}`;
    this.images.set(id, { data, mimeType });
    return id;
  }

  /** Opens an SSE stream for a session, replaying events after `since`. */
  subscribe(sessionId: string, res: ServerResponse, since = 0): void {
    const session = this.session(sessionId);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
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
      s = { events: [], streams: new Set(), seq: 0 };
      this.sessions.set(id, s);
    }
    return s;
  }

  private push(sessionId: string, kind: WireEvent['kind'], id: string, reply: Reply): void {
    const session = this.session(sessionId);
    const wire: WireReply = {
      text: reply.text,
      fields: reply.fields,
      buttons: reply.buttons,
      select: reply.select,
      progress: reply.progress,
      ephemeral: reply.ephemeral,
      kind: reply.kind,
      images: reply.images?.map((img) => ({
        url: `/api/images/${this.keepImage(img.data, img.mimeType)}`,
        alt: img.alt,
        width: img.width,
        height: img.height,
        mimeType: img.mimeType,
      })),
    };
    const ev: WireEvent = { seq: ++session.seq, kind, id, reply: wire };
    session.events.push(ev);
    if (session.events.length > MAX_EVENTS_PER_SESSION) session.events.splice(0, session.events.length - MAX_EVENTS_PER_SESSION);
    for (const res of session.streams) writeEvent(res, ev);
  }
}

function writeEvent(res: ServerResponse, ev: WireEvent): void {
  res.write(`id: ${ev.seq}\nevent: reply\ndata: ${JSON.stringify(ev)}\n\n`);
}
