import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeishuAdapter } from '../../src/bots/feishu/adapter.js';
import { RedisWindowLimiter, WindowLimiter } from '../../src/bots/feishu/chat-queue.js';
import { getLogger } from '../../src/util/logger.js';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { APP_ID, APP_SECRET, startFakeFeishu, type FakeFeishu } from './fake-feishu.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

function adapterFor(fake: FakeFeishu, limiter: RedisWindowLimiter | WindowLimiter): FeishuAdapter {
  const client = new lark.Client({ appId: APP_ID, appSecret: APP_SECRET, domain: fake.url, logger: quiet });
  return new FeishuAdapter(client, getLogger(), { limiter, appId: APP_ID });
}

/** Feishu's group limit (5 messages per second, all bots together) holds across instances of the bot. */
describe.skipIf(!hasRedis)('Feishu group send window shared through Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two instances sending into one group at once stay within 5 per second, and nothing is lost', async () => {
    const fake = await startFakeFeishu();
    const limiters = [new RedisWindowLimiter(redis.url, getLogger()), new RedisWindowLimiter(redis.url, getLogger())];
    const [a, b] = limiters.map((l) => adapterFor(fake, l));
    try {
      fake.messages.set('om_root', { message_id: 'om_root', chat_id: 'oc_shared', msg_type: 'text', content: '{}' });
      const thread = { platform: 'feishu' as const, workspace: 't', channel: 'oc_shared', thread: 'om_root' };
      await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a! : b!).send(thread, { text: `card ${i}`, locale: 'en' })));
      expect(fake.sent.filter((m) => m.chat_id === 'oc_shared')).toHaveLength(12);
      expect(fake.rateLimited).toEqual([]);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
      await fake.close();
    }
  });
});
