import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { fakeExecutor, makeEngine, meanColor, photo, type EngineOverrides } from '../support/engine-fakes.js';
import type { Engine } from '../../src/engine/index.js';
import { APP_ID, CHANNEL_ID, FakeDiscord, type StoredMessage } from './fake-discord.js';
import { PUBLIC, signed } from './signing.js';

/**
 * The real engine (memory store, instant fake planner/executor from src/engine/testing.ts) behind
 * the Discord adapter, in both modes, against the loopback Discord.
 */
/** Waits for `predicate`; `engine` also lets the engine finish what it is doing (not while a job is held at a gate). */
async function until(engine: Engine | undefined, predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) {
    await engine?.idle();
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(predicate()).toBe(true);
}

describe('Discord ↔ engine: a whole editing session', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(mode: 'gateway' | 'http', o: { api?: (fake: FakeDiscord) => string; engine?: EngineOverrides } = {}) {
    const fake = await new FakeDiscord().start();
    cleanups.push(() => fake.close());
    const { engine } = await makeEngine(o.engine);
    cleanups.push(() => engine.close());
    const http = new HttpServer();
    const api = o.api?.(fake) ?? fake.apiUrl;
    const env = readEnv(
      mode === 'gateway'
        ? { DISCORD_TOKEN: 'fake-bot-token', DISCORD_APP_ID: APP_ID, DISCORD_API_URL: api }
        : { DISCORD_PUBLIC_KEY: PUBLIC, DISCORD_APP_ID: APP_ID, DISCORD_API_URL: api },
    );
    const bot: TestBot = await startTestBot('discord', { env, engine, http, logger: getLogger() });
    cleanups.push(() => bot.stop());
    let deliver: (payload: unknown) => Promise<void>;
    if (mode === 'gateway') {
      await fake.waitForReady();
      for (let i = 0; i < 100 && (await bot.health()).state !== 'ok'; i++) await new Promise((r) => setTimeout(r, 100));
      deliver = async (payload) => fake.sendInteraction(payload);
    } else {
      const { port } = await http.listen('127.0.0.1', 0);
      cleanups.push(() => http.close());
      deliver = async (payload) => {
        const res = await fake.deliverHttp(`http://127.0.0.1:${port}/discord/interactions`, payload, signed());
        expect(res.status).toBe(200);
      };
    }
    return { fake, engine, deliver };
  }

  async function session(fake: FakeDiscord, engine: Engine, deliver: (payload: unknown) => Promise<void>) {
    const botMessages = (): StoredMessage[] => [...fake.messages.values()].filter((m) => m.author.id === APP_ID && !m.deleted);
    const uploads = () => fake.requests.filter((r) => r.files.length > 0);
    const settle = async (predicate: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !predicate(); i++) {
        await engine.idle();
        await new Promise((r) => setTimeout(r, 50));
      }
      await engine.idle();
    };
    const withButton = (label: RegExp): { message: StoredMessage; customId: string } | undefined => {
      for (const message of botMessages().reverse()) {
        for (const row of message.components) {
          for (const c of row.components) if (c.type === 2 && label.test(c.label)) return { message, customId: c.custom_id };
        }
      }
      return undefined;
    };

    const original = await photo('#404040', 64, 48);
    const attachment = fake.addAttachment('photo.png', original, 'image/png');
    const command = fake.slashCommand('edit', { attachment, instruction: 'make it brighter' });
    await deliver(command);
    await settle(() => withButton(/bright/i) !== undefined);
    const deferred = botMessages().find((m) => m.interactionId === command.id)!;
    const deferredId = () => deferred.id;
    expect(deferred.content).not.toBe('');

    const apply = withButton(/bright/i)!;
    expect(apply.customId.length).toBeLessThanOrEqual(100);
    const before = uploads().length;
    await deliver(fake.componentClick(apply.message.id, apply.customId));
    await settle(() => uploads().length > before && withButton(/undo/i)?.message.attachments.length === 1);

    const upload = uploads().at(-1)!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
    const meta = await sharp(upload.files[0].data).metadata();
    expect(['png', 'jpeg']).toContain(meta.format);
    expect([meta.width, meta.height]).toEqual([64, 48]);
    const [inMean] = await meanColor(original);
    const [outMean] = await meanColor(upload.files[0].data);
    expect(outMean).toBeGreaterThan(inMean!);
    // The whole request lives in one message: acknowledgement → proposal → progress → result.
    expect(botMessages()).toHaveLength(1);
    expect(botMessages()[0]!.id).toBe(deferredId());
    expect(fake.rejected).toEqual([]);

    const undo = withButton(/undo/i)!;
    const beforeUndo = uploads().length;
    await deliver(fake.componentClick(undo.message.id, undo.customId));
    await settle(() => uploads().length > beforeUndo);
    const [undone] = await meanColor(uploads().at(-1)!.files[0].data);
    expect(Math.abs(undone! - inMean!)).toBeLessThanOrEqual(1);
    return { deferred, botMessages };
  }

  it('gateway mode: /edit → proposal → apply → edited photo → undo, all in a session thread', async () => {
    const { fake, engine, deliver } = await setup('gateway');
    const { deferred, botMessages } = await session(fake, engine, deliver);
    expect(fake.requests.find((r) => r.route.includes('/callback'))?.json.type).toBe(5);
    expect(fake.threads.get(deferred.id)?.parent_id).toBe(CHANNEL_ID);
    // Everything after the first answer went into the thread opened on it.
    expect(botMessages().filter((m) => m.id !== deferred.id).every((m) => m.channel_id === deferred.id)).toBe(true);
  });

  it('HTTP interactions mode: the same session through deferred responses and webhooks only', async () => {
    const { fake, engine, deliver } = await setup('http');
    await session(fake, engine, deliver);
    // No bot token: no channel or thread endpoints were used.
    expect(fake.requests.some((r) => r.route.startsWith('/channels/'))).toBe(false);
    expect(fake.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('accepts DISCORD_API_URL with the /v10 suffix (no /api/v10/v10 calls)', async () => {
    const { fake, engine, deliver } = await setup('http', { api: (f) => `${f.apiUrl}/v10` });
    await session(fake, engine, deliver);
    expect(fake.requests.some((r) => r.route.startsWith('/v10'))).toBe(false);
  });

  it('with a bot token, a result that comes after the interaction token expired is posted as a channel message', async () => {
    let open!: () => void;
    const executor = fakeExecutor({ gate: new Promise<void>((r) => (open = r)) });
    const { fake, engine, deliver } = await setup('gateway', { engine: { executor, config: { jobs: { progressIntervalMs: 0 } } as never } });
    const botMessages = (): StoredMessage[] => [...fake.messages.values()].filter((m) => m.author.id === APP_ID && !m.deleted);
    const command = fake.slashCommand('edit', { attachment: fake.addAttachment('p.png', await photo('#404040'), 'image/png'), instruction: 'brighter' });
    await deliver(command);
    await until(engine, () => botMessages().some((m) => m.components.length > 0 && /bright/i.test(JSON.stringify(m.components))));
    const proposal = botMessages().find((m) => m.interactionId === command.id)!;
    const apply = proposal.components.flatMap((r: any) => r.components).find((c: any) => /bright/i.test(c.label ?? ''));
    await deliver(fake.componentClick(proposal.id, apply.custom_id));
    await until(undefined, () => executor.started === 1);
    // 15 minutes later at Discord: every interaction token is refused from now on.
    fake.expireTokens();
    open();
    await until(engine, () => botMessages().some((m) => m.attachments.length === 1 && m.id !== proposal.id));
    const late = botMessages().find((m) => m.id !== proposal.id)!;
    // Posted with the bot token, in the session's thread (opened on the proposal's message).
    expect(late.channel_id).toBe(proposal.id);
    expect(late.content).toMatch(/^Done: /);
    const post = fake.requests.find((r) => r.method === 'POST' && r.route === `/channels/${proposal.id}/messages`);
    expect(post?.headers.authorization, JSON.stringify(fake.requests.map((r) => `${r.method} ${r.route}`).slice(-8))).toBe('Bot fake-bot-token');
  });

  it('without a bot token, a job that may outlive the token says so, and Retrieve shows the result with a fresh token', async () => {
    let open!: () => void;
    const executor = fakeExecutor({ gate: new Promise<void>((r) => (open = r)) });
    const { fake, engine, deliver } = await setup('http', { engine: { executor, config: { jobs: { timeoutSeconds: 3600, progressIntervalMs: 0 } } as never } });
    const botMessages = (): StoredMessage[] => [...fake.messages.values()].filter((m) => m.author.id === APP_ID && !m.deleted);
    const button = (m: StoredMessage, label: RegExp) => m.components.flatMap((r: any) => r.components).find((c: any) => label.test(c.label ?? ''));
    const command = fake.slashCommand('edit', { attachment: fake.addAttachment('p.png', await photo('#404040'), 'image/png'), instruction: 'brighter' });
    await deliver(command);
    await until(engine, () => botMessages().some((m) => button(m, /bright/i)));
    const message = botMessages().find((m) => m.interactionId === command.id)!;
    await deliver(fake.componentClick(message.id, button(message, /bright/i).custom_id));
    await until(undefined, () => executor.started === 1 && button(message, /Retrieve/) !== undefined);
    // Told before the long job runs.
    expect(JSON.stringify(message.embeds)).toMatch(/Retrieve result/);
    fake.expireTokens();
    open();
    await engine.idle();
    expect(message.attachments).toHaveLength(0);
    // The next click brings a fresh token: the result appears in the same message.
    await deliver(fake.componentClick(message.id, button(message, /Retrieve/).custom_id));
    await until(engine, () => message.attachments.length === 1);
    expect(message.content).toMatch(/^Done: /);
    expect(botMessages()).toHaveLength(1);
  });

  it('/status answers privately: ephemeral in the deferred response, no flags on the edit', async () => {
    const { fake, engine, deliver } = await setup('http');
    const status = fake.slashCommand('status');
    await deliver(status);
    const original = () => [...fake.messages.values()].find((m) => m.interactionId === status.id);
    await until(engine, () => Boolean(original()?.content));
    expect(original()!.flags & 64).toBe(64);
    const edit = fake.requests.find((r) => r.method === 'PATCH' && r.route.includes(status.token))!;
    expect(edit.json.flags).toBeUndefined();
    expect(fake.rejected).toEqual([]);
  });

});
