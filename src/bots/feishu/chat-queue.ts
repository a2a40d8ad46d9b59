import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { LRUCache } from 'lru-cache';
import PQueue from 'p-queue';
import type { Logger } from '../../util/logger.js';

/**
 * Feishu allows 5 messages per second into one group, shared by every bot in it (im/v1/messages:
 * "5 QPS per group", error 230020 beyond). Pacing is a sliding window per chat: at most `limit`
 * sends in any `windowMs` (a little over a second), each counted until its answer came. A
 * token bucket of 5 would allow bursts of 9–10 within a second; fixed windows (rate-limiter-flexible)
 * twice the limit across a window edge. The window outlives idle queues, and with REDIS_URL it is
 * shared by every instance (one sorted set per chat, updated by one Lua script).
 */
export interface SendLimiter {
  /**
   * Resolves when one more message may be sent into the chat, and counts it. Call the returned
   * function once the request has been answered: the send then counts from that moment (Feishu saw
   * it at some point between start and answer), so a slow request never lets the next five in early.
   */
  acquire(chatId: string): Promise<() => Promise<void>>;
  close?(): Promise<void>;
}

export const FEISHU_GROUP_LIMIT = 5;
export const FEISHU_GROUP_WINDOW_MS = 1050;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(1, ms)));
}

/** The window in this process (one instance). */
export class WindowLimiter implements SendLimiter {
  private readonly sent = new LRUCache<string, { at: number }[]>({ max: 10_000 });

  constructor(
    readonly limit = FEISHU_GROUP_LIMIT,
    readonly windowMs = FEISHU_GROUP_WINDOW_MS,
  ) {}

  async acquire(chatId: string): Promise<() => Promise<void>> {
    for (;;) {
      const now = Date.now();
      const recent = (this.sent.get(chatId) ?? []).filter((slot) => now - slot.at < this.windowMs);
      if (recent.length < this.limit) {
        const slot = { at: Number.POSITIVE_INFINITY };
        recent.push(slot);
        this.sent.set(chatId, recent);
        // In flight until answered: it holds its place in the window.
        return async () => {
          slot.at = Date.now();
        };
      }
      this.sent.set(chatId, recent);
      const oldest = Math.min(...recent.map((slot) => slot.at));
      await sleep(Number.isFinite(oldest) ? oldest + this.windowMs - now : 25);
    }
  }
}

/**
 * Counts the send when the chat's window has room (returns 0), else returns how many ms to wait.
 * A send in flight is counted from far in the future (ARGV[4]: the longest a request may take) until
 * DONE moves it to its answer's time. Time is Redis's, the same for every instance.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[4]))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(25, math.min(tonumber(oldest[2]) + window - now + 1, 1000))
`;

const DONE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
`;

/** How long a send may be in flight before its slot is freed anyway (a crashed instance never answers). */
const IN_FLIGHT_MS = 30_000;

/** The window in Redis, shared by every instance; falls back to this process's window while Redis is unreachable. */
type Redis = { sendCommand(args: string[]): Promise<unknown>; quit(): Promise<unknown> };

export class RedisWindowLimiter implements SendLimiter {
  private client?: Redis;
  private connecting?: Promise<Redis>;
  private readonly local: WindowLimiter;
  private seq = 0;
  /** Tells this limiter's sends from other instances' (and other limiters' in this process). */
  private readonly id = randomUUID();

  constructor(
    private readonly redisUrl: string,
    private readonly logger: Logger,
    readonly limit = FEISHU_GROUP_LIMIT,
    readonly windowMs = FEISHU_GROUP_WINDOW_MS,
    private readonly prefix = 'cie:feishu:sends:',
  ) {
    this.local = new WindowLimiter(limit, windowMs);
  }

  private connect(): Promise<Redis> {
    this.connecting ??= (async () => {
      const client = createClient({ url: this.redisUrl });
      client.on('error', (err: unknown) => this.logger.warn({ err: String(err) }, 'feishu send limiter: Redis connection error'));
      await client.connect();
      const redis: Redis = { sendCommand: (args) => client.sendCommand(args), quit: () => client.quit() };
      this.client = redis;
      return redis;
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  async acquire(chatId: string): Promise<() => Promise<void>> {
    let client: Redis;
    try {
      client = await this.connect();
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'feishu send limiter: Redis unreachable, pacing in this process only');
      return this.local.acquire(chatId);
    }
    const key = `${this.prefix}${chatId}`;
    const member = `${this.id}:${++this.seq}`;
    for (;;) {
      let wait: number;
      try {
        wait = Number(await client.sendCommand(['EVAL', ACQUIRE, '1', key, String(this.limit), String(this.windowMs), member, String(IN_FLIGHT_MS)]));
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'feishu send limiter: Redis call failed, pacing in this process only');
        return this.local.acquire(chatId);
      }
      if (wait <= 0) {
        return async () => {
          await client.sendCommand(['EVAL', DONE, '1', key, member]).catch((err: unknown) => this.logger.warn({ err: String(err) }, 'feishu send limiter: Redis call failed'));
        };
      }
      await sleep(wait);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    if (client) await client.quit().catch(() => undefined);
  }
}

/**
 * One queue per chat: one request at a time, so messages and card patches land in order. Sends
 * (new messages) also wait for the chat's send window. Idle queues are dropped so memory follows
 * active chats only; the window is the limiter's and does not forget.
 */
export class ChatQueues {
  private readonly queues = new Map<string, PQueue>();

  constructor(private readonly limiter: SendLimiter = new WindowLimiter()) {}

  run<T>(chatId: string, task: () => Promise<T>, o: { send?: boolean } = {}): Promise<T> {
    let queue = this.queues.get(chatId);
    if (!queue) {
      const created = new PQueue({ concurrency: 1 });
      created.on('idle', () => {
        if (this.queues.get(chatId) === created && created.size === 0 && created.pending === 0) this.queues.delete(chatId);
      });
      this.queues.set(chatId, created);
      queue = created;
    }
    return queue.add(
      async () => {
        if (!o.send) return task();
        return this.paced(chatId, task);
      },
      { throwOnTimeout: true },
    );
  }

  /** Runs one send in the chat's window (a retry of a refused send is a send too). */
  async paced<T>(chatId: string, send: () => Promise<T>): Promise<T> {
    const done = await this.limiter.acquire(chatId);
    try {
      return await send();
    } finally {
      await done();
    }
  }

  async onIdle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
  }

  get activeChats(): number {
    return this.queues.size;
  }

  close(): Promise<void> {
    return this.limiter.close?.() ?? Promise.resolve();
  }
}
