import { readEnv } from '../src/config/env.js';
import { HttpServer } from '../src/server/http.js';
import { getLogger } from '../src/util/logger.js';
import { startTestBot, type StubEngine } from '../test/support/bot-harness.js';
import { signSlackRequest } from '../test/support/slack-signing.js';
import { percentile, round, timeIt, type Bench, type Figure } from './harness.js';

const SECRET = 'bench-signing-secret';

/**
 * How fast POST /slack/events answers Slack (goal: well inside Slack's 3 s) while the engine is
 * busy for a long time with every event: the receiver verifies the signature and acks before work.
 */
const bench: Bench = {
  name: 'slack-ack',
  description: 'Slack Events API ack latency (signature check + 200) with a slow engine behind it',
  async run(): Promise<Figure[]> {
    const slowEngine: StubEngine = {
      handleMessage: () => new Promise((r) => setTimeout(r, 2_000)),
      handleCommand: async () => {},
      handleAction: async () => {},
      isActiveThread: async () => false,
    };
    const http = new HttpServer();
    const addr = await http.listen('127.0.0.1', 0);
    // The API base is unreachable on purpose: acks must not depend on Slack being up.
    const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    const bot = await startTestBot('slack', { env, engine: slowEngine, http, logger: getLogger() });
    let n = 0;
    const post = async () => {
      n += 1;
      const body = JSON.stringify({
        type: 'event_callback',
        team_id: 'T1',
        event_id: `Ev${n}`,
        event: { type: 'app_mention', user: 'U1', text: '<@UB> brighter', ts: `1700000000.${n}`, channel: 'C1' },
      });
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`http://127.0.0.1:${addr.port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    };
    const sequential = await timeIt(post, 200, 20);
    const burst: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const t0 = performance.now();
        await post();
        burst.push(performance.now() - t0);
      }),
    );
    burst.sort((a, b) => a - b);
    await bot.stop();
    await http.close();
    const goal = '< 3000 ms (Slack retries after 3 s)';
    return [
      { bench: 'slack-ack', case: 'sequential', metric: 'p50', value: round(percentile(sequential, 50)), unit: 'ms', goal },
      { bench: 'slack-ack', case: 'sequential', metric: 'p99', value: round(percentile(sequential, 99)), unit: 'ms', goal },
      { bench: 'slack-ack', case: '100 at once', metric: 'p50', value: round(percentile(burst, 50)), unit: 'ms', goal },
      { bench: 'slack-ack', case: '100 at once', metric: 'max', value: round(burst[burst.length - 1]!), unit: 'ms', goal },
    ];
  },
};

export default bench;
