import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAdapter } from '../support/test-adapter.js';
import { fakeExecutor, fakePlanner, makeEngine, photo } from '../support/engine-fakes.js';
import type { ExecuteRequest, Executor, Planner } from '../../src/engine/deps.js';
import { getLogger } from '../../src/util/logger.js';

/** Distinctive values: if any of them shows up in a log line, a secret leaked. */
const SECRETS: Record<string, string> = {
  OPENAI_API_KEY: 'sk-opsTESTkey0123456789abcdefXYZ',
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-opsTESTslacktoken',
  SLACK_SIGNING_SECRET: 'opsTESTsigningSecret8f742231',
  SLACK_APP_TOKEN: 'xapp-1-A111-opsTESTapptoken',
  DISCORD_TOKEN: 'opsTESTdiscordToken.GhIjKl.mnopqrstuvwxyz0123456789abcdef',
  FEISHU_APP_SECRET: 'opsTESTfeishuAppSecret42',
  FEISHU_ENCRYPT_KEY: 'opsTESTfeishuEncryptKey7',
  REDIS_URL: 'redis://default:opsTESTredisPassword@127.0.0.1:6390',
};
const redisPassword = 'opsTESTredisPassword';

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries({ ...SECRETS, LOG_LEVEL: 'debug' })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) }, text: () => lines.join('') };
}

function expectNoSecrets(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) expect(text, `${name} leaked`).not.toContain(value);
  expect(text).not.toContain(redisPassword);
}

describe('secrets never reach the logs', () => {
  it('redacts secrets in logged objects, errors, messages and child bindings', () => {
    const out = capture();
    const log = getLogger(out.stream);
    log.info({ config: { apiKey: SECRETS.OPENAI_API_KEY, botToken: SECRETS.SLACK_BOT_TOKEN, signingSecret: SECRETS.SLACK_SIGNING_SECRET } }, 'configuration');
    log.error({ err: new Error(`401 Incorrect API key provided: ${SECRETS.OPENAI_API_KEY}`) }, 'llm call failed');
    log.warn({ headers: { authorization: `Bearer ${SECRETS.SLACK_BOT_TOKEN}` } }, 'slack request');
    log.warn(`gateway login failed with ${SECRETS.DISCORD_TOKEN}`);
    log.info({ url: SECRETS.REDIS_URL }, 'connecting to redis');
    log.child({ appSecret: SECRETS.FEISHU_APP_SECRET, key: SECRETS.FEISHU_ENCRYPT_KEY }).info({ token: SECRETS.SLACK_APP_TOKEN }, 'feishu client');
    const text = out.text();
    expect(out.lines.length).toBe(6);
    expectNoSecrets(text);
    expect(text).toContain('[redacted]');
    // Still useful logs: the messages themselves survive.
    expect(text).toContain('llm call failed');
    expect(text).toContain('gateway login failed with');
  });

  it('keeps secrets out of the engine logs (with event and job ids) and out of the replies', async () => {
    const out = capture();
    const leakyExecutor: Executor = {
      ...fakeExecutor(),
      needsSegmentation: () => false,
      async execute(_req: ExecuteRequest) {
        throw new Error(`backend refused: Authorization: Bearer ${SECRETS.OPENAI_API_KEY} (token ${SECRETS.SLACK_BOT_TOKEN})`);
      },
    };
    const planner = fakePlanner();
    const leakyPlanner: Planner = {
      name: 'leaky',
      async plan(req) {
        if (req.instruction.includes('explode')) throw new Error(`upstream said: invalid key ${SECRETS.OPENAI_API_KEY}, feishu ${SECRETS.FEISHU_APP_SECRET}`);
        return planner.plan(req);
      },
    };
    const { engine } = await makeEngine({ executor: leakyExecutor, planner: leakyPlanner, logger: getLogger(out.stream) });
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo()], thread: 'S1' });
    await chat.click(/^Adjust/, { thread: 'S1' });
    await chat.waitUntilIdle();
    await chat.post({ text: 'explode', thread: 'S1' });
    await chat.waitUntilIdle();
    await engine.close(1000);

    const text = out.text();
    expectNoSecrets(text);
    expect(text).toContain('[redacted]');
    const lines = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'job failed')).toMatchObject({ jobId: expect.any(String) });
    expect(lines.find((l) => l.msg === 'engine failure')).toMatchObject({ eventId: expect.any(String), platform: 'web' });
    // What the user reads carries no secret either (a generic sentence with a reference).
    const replies = JSON.stringify(chat.log.map((r) => r.reply.text));
    expectNoSecrets(replies);
    expect(chat.threadMessages('S1').some((m) => m.reply.kind === 'error')).toBe(true);
  });
});
