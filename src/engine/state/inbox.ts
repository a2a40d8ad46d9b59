import { createHash } from 'node:crypto';
import { eventOf, type InboundEvent, type MessageRef, type Platform, type ReplyContext } from '../types.js';
import { newSeed } from './ids.js';
import { keys } from './keys.js';
import type { StateStore } from './store.js';

/** One reply an event's handling has made, so a later attempt neither repeats nor loses it. */
export interface JournalStep {
  /** Position among the event's replies (the handling makes them in the same order every attempt). */
  n: number;
  kind: 'send' | 'update' | 'ephemeral';
  /** What was shown (see replyHash): a later attempt with other content edits the message instead. */
  hash: string;
  /** The posted message (send). */
  ref?: MessageRef;
}

/**
 * An inbound event in the durable inbox: written before the platform is acknowledged, kept until
 * its replies are delivered, then reduced to a tombstone that drops re-deliveries until it expires.
 */
export interface InboxEntry {
  /** `<platform>:<eventId>`. */
  id: string;
  state: 'pending' | 'done';
  event?: InboundEvent;
  reply?: ReplyContext;
  /** Seeds the ids minted while handling it (see ids.ts). */
  seed?: string;
  receivedAt: number;
  /** The instance handling it, and until when its lease holds (renewed while it works). */
  owner?: string;
  leaseUntil: number;
  /** Handling attempts so far (1 = first delivery). */
  attempts: number;
  steps: JournalStep[];
}

export interface InboxOptions {
  /** How long a finished event's id is remembered, to drop re-deliveries. */
  dedupeMs: number;
  /** How long an instance holds an entry without renewing before another may take it over. */
  leaseMs: number;
}

/** The entry could not be written because another instance took it over (this one's lease lapsed). */
export class LeaseLost extends Error {
  constructor(id: string) {
    super(`inbox entry ${id} is handled by another instance now`);
    this.name = 'LeaseLost';
  }
}

/**
 * The durable inbox, on the state store (SQLite locally, Redis when shared): every entry is one
 * record changed only by compare-and-set, and an index record lists the unfinished ones, so a
 * start can find what a previous process (or a dead instance) left. The index is written before
 * an entry and cleaned after it, so a crash in between leaves at most a stale id, never an
 * unlisted entry.
 */
export class Inbox {
  /** Index changes waiting for the next write (group commit: a burst of events costs a few writes, not one each). */
  private readonly adds = new Set<string>();
  private readonly removes = new Set<string>();
  private writing?: Promise<unknown>;
  private nextWrite?: Promise<void>;
  /** Listed ids seen without an entry once: an accept may be between its two writes, so only a second sighting removes them. */
  private readonly missing = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly opts: InboxOptions,
  ) {}

  /** Adds / removes ids in the index; resolves once a write carrying the change has landed. */
  private changeIndex(change: { add?: string; remove?: string }): Promise<void> {
    if (change.add) {
      this.adds.add(change.add);
      this.removes.delete(change.add);
    }
    if (change.remove) {
      this.removes.add(change.remove);
      this.adds.delete(change.remove);
    }
    this.nextWrite ??= (async () => {
      await this.writing?.catch(() => undefined);
      this.nextWrite = undefined;
      const adds = [...this.adds];
      const removes = new Set(this.removes);
      this.adds.clear();
      this.removes.clear();
      this.writing = this.store.update<string[]>(keys.inboxIndex, (ids) => {
        const next = [...new Set([...(ids ?? []), ...adds])].filter((id) => !removes.has(id));
        return next.length ? next : undefined;
      });
      await this.writing;
    })();
    return this.nextWrite;
  }

  static idOf(event: InboundEvent): string {
    const ev = eventOf(event);
    return `${ev.platform}:${ev.eventId}`;
  }

  /**
   * Stores a new event, owned by `owner`. Undefined when the event is already known (pending, or
   * finished within the dedupe window): a re-delivery, acknowledged and dropped.
   */
  async accept(event: InboundEvent, reply: ReplyContext | undefined, owner: string): Promise<InboxEntry | undefined> {
    const id = Inbox.idOf(event);
    const now = Date.now();
    const fresh: InboxEntry = { id, state: 'pending', event, reply, seed: newSeed(), receivedAt: now, owner, leaseUntil: now + this.opts.leaseMs, attempts: 1, steps: [] };
    // Listed first: a crash between the two writes leaves a stale id (cleaned at the next start), never an unlisted entry.
    await this.changeIndex({ add: id });
    return (await this.store.create(keys.inbox(id), fresh)) ? fresh : undefined;
  }

  /** Records a reply the handling made (the entry must still be this owner's). */
  async record(id: string, owner: string, step: JournalStep): Promise<void> {
    let lost = false;
    await this.store.update<InboxEntry>(keys.inbox(id), (cur) => {
      lost = !cur || cur.state !== 'pending' || cur.owner !== owner;
      if (lost) return cur;
      return { ...cur!, steps: [...cur!.steps.filter((s) => s.n !== step.n), step].sort((a, b) => a.n - b.n) };
    });
    if (lost) throw new LeaseLost(id);
  }

  /** The event is answered: the entry becomes a tombstone (re-deliveries dropped) and leaves the index. */
  async complete(id: string): Promise<void> {
    await this.store.set(keys.inbox(id), { id, state: 'done', receivedAt: Date.now(), leaseUntil: 0, attempts: 0, steps: [] } satisfies InboxEntry, this.opts.dedupeMs);
    await this.changeIndex({ remove: id });
  }

  /** Extends this owner's lease on the entries it is handling. */
  async renew(ids: Iterable<string>, owner: string): Promise<void> {
    const until = Date.now() + this.opts.leaseMs;
    for (const id of ids) {
      await this.store.update<InboxEntry>(keys.inbox(id), (cur) => (cur?.state === 'pending' && cur.owner === owner ? { ...cur, leaseUntil: until } : cur));
    }
  }

  /** Gives entries up (shutdown): the next start, or another instance, takes them at once. */
  async release(ids: Iterable<string>, owner: string): Promise<void> {
    for (const id of ids) {
      await this.store.update<InboxEntry>(keys.inbox(id), (cur) => (cur?.state === 'pending' && cur.owner === owner ? { ...cur, owner: undefined, leaseUntil: 0 } : cur));
    }
  }

  /**
   * Takes over unfinished entries for `owner`: those nobody holds or whose lease lapsed, or (`any`,
   * a single-process store at start: the previous process is gone) every one not already its own.
   * `platform` says which entries this instance can answer now. Each taken entry counts an attempt.
   */
  async takeOver(owner: string, o: { any: boolean; platform: (p: Platform) => boolean; limit?: number }): Promise<InboxEntry[]> {
    const ids = (await this.store.get<string[]>(keys.inboxIndex)) ?? [];
    const taken: InboxEntry[] = [];
    const stale: string[] = [];
    for (const id of ids) {
      if (o.limit !== undefined && taken.length >= o.limit) break;
      const now = Date.now();
      let won: InboxEntry | undefined;
      let gone = false;
      await this.store.update<InboxEntry>(keys.inbox(id), (cur) => {
        won = undefined;
        gone = !cur || cur.state !== 'pending' || !cur.event;
        if (gone || cur!.owner === owner || !o.platform(eventOf(cur!.event!).platform)) return cur;
        if (!o.any && cur!.owner && cur!.leaseUntil > now) return cur;
        won = { ...cur!, owner, leaseUntil: now + this.opts.leaseMs, attempts: cur!.attempts + 1 };
        return won;
      });
      if (gone) {
        if (this.missing.has(id) || (await this.store.get(keys.inbox(id))) !== undefined) {
          this.missing.delete(id);
          stale.push(id);
        } else this.missing.add(id);
      } else if (won) taken.push(won);
    }
    for (const id of stale) void this.changeIndex({ remove: id });
    if (stale.length) await this.nextWrite;
    return taken;
  }

  /** Unfinished entries (metrics, tests). */
  async pending(): Promise<number> {
    return ((await this.store.get<string[]>(keys.inboxIndex)) ?? []).length;
  }
}

/** A stable digest of what a reply shows (images by size and edges: hashing megabytes would block the loop). */
export function replyHash(reply: { text: string; fields?: unknown; buttons?: unknown; select?: unknown; progress?: unknown; images?: { data: Buffer }[] }): string {
  const images = (reply.images ?? []).map((i) => `${i.data.length}:${i.data.subarray(0, 64).toString('base64')}:${i.data.subarray(-64).toString('base64')}`);
  return createHash('sha1')
    .update(JSON.stringify([reply.text, reply.fields ?? null, reply.buttons ?? null, reply.select ?? null, reply.progress ?? null, images]))
    .digest('base64url');
}
