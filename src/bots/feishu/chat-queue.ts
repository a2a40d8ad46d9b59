import PQueue from 'p-queue';

/**
 * Feishu allows about 5 sends per second into one chat (shared by every bot in a group). Each chat
 * gets its own queue: one request at a time, so messages and card patches land in order, and at
 * most `perSecond` per second. Idle queues are dropped so memory follows active chats only.
 */
export class ChatQueues {
  private readonly queues = new Map<string, PQueue>();

  constructor(private readonly perSecond = 5) {}

  run<T>(chatId: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(chatId);
    if (!queue) {
      const created = new PQueue({ concurrency: 1, intervalCap: this.perSecond, interval: 1000 });
      created.on('idle', () => {
        if (this.queues.get(chatId) === created && created.size === 0 && created.pending === 0) this.queues.delete(chatId);
      });
      this.queues.set(chatId, created);
      queue = created;
    }
    return queue.add(task, { throwOnTimeout: true });
  }

  async onIdle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
  }

  get activeChats(): number {
    return this.queues.size;
  }
}
