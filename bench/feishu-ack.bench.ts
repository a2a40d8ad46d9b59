import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { readEnv } from '../src/config/env.js';
import { HttpServer } from '../src/server/http.js';
import { getLogger } from '../src/util/logger.js';
import { feishuSignature } from '../src/bots/feishu/index.js';
import { startTestBot, type StubEngine } from '../test/support/bot-harness.js';
import { percentile, round, timeIt, type Bench, type Figure } from './harness.js';

const KEY = 'bench-encrypt-key';
const TOKEN = 'bench-verify-token';

function encrypt(plaintext: string): string {
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-cbc', crypto.createHash('sha256').update(KEY).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/**
 * How fast the Feishu webhook answers (goal: well inside Feishu's 3 s) while the engine takes two
 * seconds per event: decrypt, signature and token checks, dispatch, then 200 (a toast for clicks).
 */
const bench: Bench = {
  name: 'feishu-ack',
  description: 'Feishu webhook ack latency (decrypt + signature + token + dispatch) with a slow engine behind it',
  async run(): Promise<Figure[]> {
    const slow = () => new Promise<void>((r) => setTimeout(r, 2_000));
    const engine: StubEngine = { handleMessage: slow, handleCommand: slow, handleAction: slow, isActiveThread: async () => false };
    const http = new HttpServer();
    const addr = await http.listen('127.0.0.1', 0);
    // Unreachable Open API on purpose: the ack must not depend on Feishu being up.
    const env = readEnv({
      FEISHU_APP_ID: 'cli_0123456789abcdef',
      FEISHU_APP_SECRET: 'bench',
      FEISHU_DOMAIN: 'http://127.0.0.1:9',
      FEISHU_MODE: 'webhook',
      FEISHU_ENCRYPT_KEY: KEY,
      FEISHU_VERIFICATION_TOKEN: TOKEN,
    });
    const bot = await startTestBot('feishu', { env, engine, http, logger: getLogger() });
    let n = 0;
    const post = async (kind: 'event' | 'card') => {
      n += 1;
      const header = { event_id: `ev${n}`, token: TOKEN, event_type: kind === 'event' ? 'im.message.receive_v1' : 'card.action.trigger', tenant_key: 't', app_id: 'a' };
      const event =
        kind === 'event'
          ? { sender: { sender_id: { open_id: 'ou_u' }, sender_type: 'user' }, message: { message_id: `om${n}`, chat_id: 'oc_1', chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: 'brighter' }) } }
          : { operator: { open_id: 'ou_u' }, action: { tag: 'button', value: { a: 'ce1.xxxxxxxxxxxxxxxx.all' } }, context: { open_message_id: `om${n}`, open_chat_id: 'oc_1' } };
      const body = JSON.stringify({ encrypt: encrypt(JSON.stringify({ schema: '2.0', header, event })) });
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = String(n);
      const res = await fetch(`http://127.0.0.1:${addr.port}/feishu/${kind === 'event' ? 'events' : 'card'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': feishuSignature(ts, nonce, KEY, body) },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    };
    const events = await timeIt(() => post('event'), 200, 20);
    const cards = await timeIt(() => post('card'), 200, 20);
    const burst: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const t0 = performance.now();
        await post(i % 2 ? 'card' : 'event');
        burst.push(performance.now() - t0);
      }),
    );
    burst.sort((a, b) => a - b);
    await bot.stop();
    await http.close();
    const goal = '< 3000 ms (Feishu re-pushes after 3 s)';
    return [
      { bench: 'feishu-ack', case: 'message events, sequential', metric: 'p50', value: round(percentile(events, 50)), unit: 'ms', goal },
      { bench: 'feishu-ack', case: 'message events, sequential', metric: 'p99', value: round(percentile(events, 99)), unit: 'ms', goal },
      { bench: 'feishu-ack', case: 'card clicks (toast), sequential', metric: 'p99', value: round(percentile(cards, 99)), unit: 'ms', goal },
      { bench: 'feishu-ack', case: '100 at once', metric: 'p50', value: round(percentile(burst, 50)), unit: 'ms', goal },
      { bench: 'feishu-ack', case: '100 at once', metric: 'max', value: round(burst[burst.length - 1]!), unit: 'ms', goal },
    ];
  },
};

export default bench;
