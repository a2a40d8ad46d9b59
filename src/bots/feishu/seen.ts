/**
 * A bounded memory of ids seen recently. Feishu re-pushes an event it thinks was not acknowledged
 * (and a message can arrive under two event ids), so both event ids and message ids go in here.
 * The engine dedupes durably by event id; this catches re-pushes before any work is scheduled.
 */
export class SeenIds {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs = 12 * 60 * 60 * 1000,
    private readonly maxEntries = 20_000,
  ) {}

  /** Records `id`; true when it was already there (and not expired). */
  checkAndAdd(id: string, now = Date.now()): boolean {
    const seenAt = this.entries.get(id);
    if (seenAt !== undefined && now - seenAt < this.ttlMs) return true;
    this.entries.delete(id);
    this.entries.set(id, now);
    if (this.entries.size > this.maxEntries) {
      // Map keeps insertion order: the first key is the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return false;
  }
}

/** A small insertion-ordered LRU for lookups that may be lost without harm (thread of a card…). */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }
}
