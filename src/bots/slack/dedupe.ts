/**
 * Remembers recent keys (event ids, channel:ts) so a delivery seen before is dropped. Slack re-sends
 * events it thinks were missed, and one post can arrive as both app_mention and message.
 */
export class RecentKeys {
  private readonly keys = new Map<string, true>();
  constructor(private readonly capacity = 10_000) {}

  /** True the first time any of `keys` is seen; marks all of them as seen. */
  firstTime(...keys: string[]): boolean {
    const fresh = keys.every((k) => !this.keys.has(k));
    for (const k of keys) {
      this.keys.delete(k);
      this.keys.set(k, true);
    }
    while (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value as string);
    return fresh;
  }
}
