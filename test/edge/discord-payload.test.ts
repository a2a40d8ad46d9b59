import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { parseInteraction } from '../../src/bots/discord/payload.js';
import { APP_ID, FakeDiscord } from '../discord/fake-discord.js';
import { StubEngine } from '../discord/stub-engine.js';
import { PUBLIC, signed } from '../discord/signing.js';

/** Correctly signed bodies that are not well-formed interactions: 400, never 500, never a REST call. */
describe('Discord HTTP interactions: malformed but authentic payloads', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  let http: HttpServer;
  let endpoint: string;
  const engine = new StubEngine();

  beforeAll(async () => {
    fake = await new FakeDiscord().start();
    http = new HttpServer();
    const env = readEnv({ DISCORD_PUBLIC_KEY: PUBLIC, DISCORD_APP_ID: APP_ID, DISCORD_API_URL: fake.apiUrl });
    bot = await startTestBot('discord', { env, engine, http, logger: getLogger() });
    endpoint = `http://127.0.0.1:${(await http.listen('127.0.0.1', 0)).port}/discord/interactions`;
  });

  afterAll(async () => {
    await bot?.stop();
    await http?.close();
    await fake?.close();
  });

  async function post(body: string): Promise<{ status: number; json: { error?: string } }> {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...signed()(body) }, body });
    return { status: res.status, json: (await res.json()) as { error?: string } };
  }

  it('answers 400 to null, a command without data and a component without message, and logs a warning without a stack', async () => {
    const logger = getLogger();
    const error = vi.spyOn(logger, 'error');
    const requestsBefore = fake.requests.length;
    const command = fake.slashCommand('edit', { instruction: 'make it brighter' });
    const { data: _data, ...commandWithoutData } = command;
    const click = { ...command, type: 3, data: { custom_id: 'act_x', component_type: 2 } };
    const cases = ['null', '[]', '"text"', '{}', '{"type":"2"}', JSON.stringify(commandWithoutData), JSON.stringify(click), JSON.stringify({ ...click, data: { component_type: 3, custom_id: 'sel' } })];
    for (const body of cases) {
      const r = await post(body);
      expect(r.status, body.slice(0, 60)).toBe(400);
      expect(r.json.error, body.slice(0, 60)).toBeTypeOf('string');
    }
    expect(error).not.toHaveBeenCalled();
    expect(engine.messages.length + engine.actions.length).toBe(0);
    expect(fake.requests.length).toBe(requestsBefore);
    vi.restoreAllMocks();
  });

  it('refuses ids and tokens that would change a REST path', async () => {
    const requestsBefore = fake.requests.length;
    const base = fake.slashCommand('edit', { instruction: 'make it brighter' });
    const bad = [
      { ...base, token: '../../channels/1/messages' },
      { ...base, token: '..' },
      { ...base, token: 'a/b' },
      { ...base, token: 'a%2F..' },
      { ...base, application_id: '../1' },
      { ...base, id: 'x' },
      { ...base, channel_id: '1/../2', channel: undefined },
      { ...base, data: { ...base.data, options: [{ name: 'image', type: 11, value: '__proto__' }] } },
    ];
    for (const payload of bad) expect((await post(JSON.stringify(payload))).status).toBe(400);
    expect(fake.requests.length).toBe(requestsBefore);
  });

  it('unknown interaction types get 400, PING still gets PONG', async () => {
    const autocomplete = { ...fake.slashCommand('edit', {}), type: 4 };
    expect((await post(JSON.stringify(autocomplete))).status).toBe(400);
    expect(await post(JSON.stringify({ id: '1', type: 1, application_id: APP_ID, token: 'p', version: 1 }))).toEqual({ status: 200, json: { type: 1 } });
  });
});

describe('parseInteraction', () => {
  it('accepts the shapes Discord sends', () => {
    const fake = new FakeDiscord();
    const command = fake.slashCommand('edit', { instruction: 'brighter', options: [{ name: 'strength', type: 4, value: 3 }] });
    expect(parseInteraction(Buffer.from(JSON.stringify(command)))).toMatchObject({ kind: 'interaction' });
    const menu = fake.messageCommand('Edit image', { content: 'make it blue', attachments: [] });
    expect(parseInteraction(Buffer.from(JSON.stringify(menu)))).toMatchObject({ kind: 'interaction' });
  });

  it('never throws on garbage', () => {
    for (const body of ['', '{', 'null', '1', '{"type":2,"data":null}', '{"type":3,"message":null}', '\u0000']) {
      expect(() => parseInteraction(Buffer.from(body))).not.toThrow();
      expect(parseInteraction(Buffer.from(body)).kind).toBe('invalid');
    }
  });
});
