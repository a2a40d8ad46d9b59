import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { APP_ID, BOT_ID, CHANNEL_ID, FakeDiscord } from './fake-discord.js';
import { StubEngine, solidPng } from './stub-engine.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('Discord gateway mode against a loopback Discord', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  const engine = new StubEngine();

  beforeAll(async () => {
    fake = await new FakeDiscord().start();
    const env = readEnv({ DISCORD_TOKEN: 'fake-bot-token', DISCORD_APP_ID: APP_ID, DISCORD_API_URL: fake.apiUrl, PATH: '', HOME: '' });
    bot = await startTestBot('discord', { env, engine, http: new HttpServer(), logger: getLogger() });
    await fake.waitForReady();
    for (let i = 0; i < 100 && (await bot.health()).state !== 'ok'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await bot.health()).state).toBe('ok');
  });

  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  it('identifies with the intents it needs and without compression', () => {
    expect(fake.identifies).toHaveLength(1);
    const identify = fake.identifies[0];
    expect(identify.token).toBe('fake-bot-token');
    // Guilds (1) | GuildMessages (512) | DirectMessages (4096) | MessageContent (32768)
    expect(identify.intents & (1 | 512 | 4096 | 32768)).toBe(1 | 512 | 4096 | 32768);
    expect(identify.compress ?? false).toBe(false);
  });

  it('runs a whole session: /edit → proposal with buttons → apply → edited PNG in the thread → undo', async () => {
    const photo = await solidPng(64, 48, { r: 40, g: 80, b: 120 });
    const attachment = fake.addAttachment('photo.png', photo, 'image/png');
    const command = fake.slashCommand('edit', { attachment, instruction: `<@${BOT_ID}> make it brighter` });
    fake.sendInteraction(command);
    await engine.until(() => engine.commands.length === 1);

    // Acknowledged with a deferred reply before anything else was said.
    const callbackIdx = fake.requests.findIndex((r) => r.route === `/interactions/${command.id}/${command.token}/callback`);
    expect(callbackIdx).toBeGreaterThanOrEqual(0);
    expect(fake.requests[callbackIdx].json.type).toBe(5);
    expect(fake.requests.findIndex((r) => r.route.startsWith('/webhooks/'))).toBeGreaterThan(callbackIdx);

    // The engine got a normalised command with the photo downloadable from the (fake) CDN.
    const inv = engine.commands[0];
    expect(inv).toMatchObject({ platform: 'discord', eventId: command.id, name: 'edit', text: 'make it brighter', user: { id: command.member.user.id } });
    expect(engine.downloaded[0].equals(photo)).toBe(true);

    // The proposal filled the deferred reply: text, image, buttons and the select, ids unchanged.
    const original = [...fake.messages.values()].find((m) => m.interactionId === command.id)!;
    expect(inv.thread).toEqual({ platform: 'discord', workspace: command.guild_id, channel: CHANNEL_ID, thread: original.id });
    expect(original.content).toContain('Proposal for: make it brighter');
    expect(original.attachments[0].data.equals(photo)).toBe(true);
    expect(original.attachments[0].description).toBe('parts overlay');
    expect(original.components).toHaveLength(2);
    expect(original.components[0].components.map((c: any) => c.custom_id)).toEqual(['a_apply_0123456789abcdef', 'a_cancel_0123456789abcdef']);
    expect(original.components[1].components[0]).toMatchObject({ type: 3, custom_id: 's_pick_0123456789abcdef', min_values: 1, max_values: 2 });
    expect(original.embeds).toEqual([{ fields: [{ name: 'Parts', value: 'Background, Face', inline: false }] }]);

    // A thread was opened on the proposal (same id), so the session continues there.
    expect(fake.threads.get(original.id)).toMatchObject({ parent_id: CHANNEL_ID, name: 'Photo edit: make it brighter' });

    // Click "Apply".
    const click = fake.componentClick(original.id, 'a_apply_0123456789abcdef');
    fake.sendInteraction(click);
    await engine.until(() => engine.actions.length === 1);
    const cb = fake.requests.find((r) => r.route === `/interactions/${click.id}/${click.token}/callback`)!;
    expect(cb.json.type).toBe(6);
    const action = engine.actions[0];
    expect(action).toMatchObject({ actionId: 'a_apply_0123456789abcdef', eventId: click.id, thread: inv.thread, message: { id: original.id } });

    // Progress went into the proposal in place, through the click's token.
    const edits = fake.requests.filter((r) => r.method === 'PATCH' && r.route === `/webhooks/${APP_ID}/${click.token}/messages/@original`);
    expect(edits.map((e) => e.json.content)).toEqual(['Working\n▰▰▰▰▰▱▱▱▱▱', 'Applied: brighter']);
    expect(original.components).toEqual([]);

    // The edited photo arrived in the thread as a multipart upload of a real PNG.
    const upload = fake.requests.find((r) => r.method === 'POST' && r.route === `/channels/${original.id}/messages`)!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(upload.files).toHaveLength(1);
    expect(upload.files[0].data.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    const meta = await sharp(upload.files[0].data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    const pixel = await sharp(upload.files[0].data).raw().toBuffer();
    expect(pixel[0]).toBeGreaterThan(40); // brighter than the original red channel
    const result = [...fake.messages.values()].find((m) => m.channel_id === original.id && m.content === 'Here is your photo')!;
    expect(result.components[0].components[0].custom_id).toBe('a_undo_0123456789abcdef');

    // Undo from inside the thread resolves to the same session.
    fake.sendInteraction(fake.componentClick(result.id, 'a_undo_0123456789abcdef'));
    await engine.until(() => engine.actions.length === 2);
    expect(engine.actions[1].thread).toEqual(inv.thread);
    const undone = [...fake.messages.values()].find((m) => m.content === 'Undone')!;
    expect(undone.channel_id).toBe(original.id);
    expect(undone.attachments[0].data.equals(photo)).toBe(true);

    // A follow-up message in the thread continues the session without a mention.
    const followUpId = fake.userMessage(original.id, 'now blur the background');
    await engine.until(() => engine.messages.length === 1);
    expect(engine.messages[0]).toMatchObject({ eventId: followUpId, text: 'now blur the background', thread: inv.thread });
    expect([...fake.messages.values()].some((m) => m.channel_id === original.id && m.content === 'Got it: now blur the background')).toBe(true);
  });

  it('passes the choices of a multi-select to the engine', async () => {
    const before = engine.actions.length;
    const proposal = [...fake.messages.values()].find((m) => m.content === 'Applied: brighter')!;
    const pick = fake.componentClick(proposal.id, 's_pick_0123456789abcdef', ['0', '1']);
    fake.sendInteraction(pick);
    await engine.until(() => engine.actions.length === before + 1);
    expect(engine.actions.at(-1)).toMatchObject({ actionId: 's_pick_0123456789abcdef', values: ['0', '1'], message: { id: proposal.id } });
    expect(fake.requests.find((r) => r.route === `/interactions/${pick.id}/${pick.token}/callback`)!.json.type).toBe(6);
  });

  it('keeps replies sent at once in order: the deferred reply first, then the thread', async () => {
    const before = engine.commands.length;
    const attachment = fake.addAttachment('c.png', await solidPng(4, 4, { r: 1, g: 1, b: 1 }), 'image/png');
    const command = fake.slashCommand('edit', { attachment, instruction: 'reply concurrently' });
    fake.sendInteraction(command);
    await engine.until(() => engine.commands.length === before + 1);
    const original = [...fake.messages.values()].find((m) => m.interactionId === command.id)!;
    expect(original.content).toBe('first');
    const second = [...fake.messages.values()].find((m) => m.content === 'second')!;
    expect(second.channel_id).toBe(original.id);
  });

  it('processes a re-delivered interaction once', async () => {
    const before = engine.commands.length;
    const status = fake.slashCommand('status');
    fake.sendInteraction(status);
    fake.sendInteraction(status);
    await engine.until(() => engine.commands.length === before + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.commands.length).toBe(before + 1);
    // The re-delivery's acknowledgement is refused by Discord (40060, already acknowledged); the
    // engine drops the event by its id, so nothing is answered twice.
    const callbacks = fake.requests.filter((r) => r.route === `/interactions/${status.id}/${status.token}/callback`);
    expect(callbacks.length).toBeGreaterThanOrEqual(1);
    // /status is answered privately.
    expect(callbacks[0].json).toMatchObject({ type: 5, data: { flags: 64 } });
    expect([...fake.messages.values()].filter((m) => m.content === 'All services up')).toHaveLength(1);
  });

  it('/settings passes its options to the engine under the engine\'s names and answers privately', async () => {
    const before = engine.commands.length;
    const settings = fake.slashCommand('settings', {
      options: [
        { name: 'strength', type: 10, value: 0.4 },
        { name: 'cfg_scale', type: 10, value: 7 },
        { name: 'language', type: 3, value: 'zh-CN' },
      ],
    });
    fake.sendInteraction(settings);
    await engine.until(() => engine.commands.length === before + 1);
    expect(engine.commands.at(-1)).toMatchObject({ name: 'settings', options: { strength: 0.4, cfgScale: 7, locale: 'zh-CN' } });
    const cb = fake.requests.find((r) => r.route === `/interactions/${settings.id}/${settings.token}/callback`)!;
    expect(cb.json).toMatchObject({ type: 5, data: { flags: 64 } });
  });

  it('refuses to download attachments from outside Discord and says so privately', async () => {
    const before = engine.commands.length;
    const attachment = { ...fake.addAttachment('evil.png', await solidPng(4, 4, { r: 0, g: 0, b: 0 }), 'image/png') };
    attachment.url = 'http://127.0.0.2:9/evil.png';
    const command = fake.slashCommand('edit', { attachment, instruction: 'x' });
    fake.sendInteraction(command);
    await engine.until(() => engine.commands.length === before + 1);
    expect((engine.fetchErrors[0] as { key?: string }).key).toBe('discord.file_host_refused');
    // The public "thinking…" placeholder was removed and the answer went only to the user.
    const deleted = fake.requests.find((r) => r.method === 'DELETE' && r.route === `/webhooks/${APP_ID}/${command.token}/messages/@original`);
    expect(deleted).toBeDefined();
    const followUp = fake.requests.find((r) => r.method === 'POST' && r.route === `/webhooks/${APP_ID}/${command.token}`)!;
    expect(followUp.json).toMatchObject({ content: 'Attach a photo', flags: 64 });
  });

  it('"Edit image" on a message edits that message\'s photo with its text as the instruction', async () => {
    const before = engine.commands.length;
    const photo = await solidPng(16, 16, { r: 200, g: 10, b: 10 });
    const attachment = fake.addAttachment('red.png', photo, 'image/png');
    const doc = fake.addAttachment('notes.txt', Buffer.from('hi'), 'text/plain');
    const command = fake.messageCommand('Edit image', { content: '背景换成蓝天', attachments: [doc, attachment] });
    command.attachment_size_limit = 25 * 1024 * 1024; // a boosted server
    fake.sendInteraction(command);
    await engine.until(() => engine.commands.length === before + 1);
    const inv = engine.commands.at(-1)!;
    expect(inv).toMatchObject({ name: 'edit', text: '背景换成蓝天', locale: 'zh-CN', otherFiles: ['notes.txt'] });
    expect(engine.downloaded.at(-1)!.equals(photo)).toBe(true);
    expect(engine.uploadLimits.at(-1)).toBe(25 * 1024 * 1024);
    // The thread name follows the user's language.
    expect(fake.threads.get(inv.thread.thread)?.name).toBe('照片编辑：背景换成蓝天');
  });

  it('a photo posted with a mention opens a thread on that message', async () => {
    const before = engine.messages.length;
    const photo = await solidPng(8, 8, { r: 9, g: 9, b: 9 });
    const attachment = fake.addAttachment('p.png', photo, 'image/png');
    const id = fake.userMessage(CHANNEL_ID, `<@${BOT_ID}> make the shirt white`, [attachment]);
    await engine.until(() => engine.messages.length === before + 1);
    const msg = engine.messages.at(-1)!;
    expect(msg).toMatchObject({ eventId: id, text: 'make the shirt white', thread: { channel: CHANNEL_ID, thread: id } });
    expect(msg.images).toHaveLength(1);
    expect((await bot.bot.adapter.download(msg.images[0]!)).equals(photo)).toBe(true);
    expect(fake.threads.get(id)).toMatchObject({ parent_id: CHANNEL_ID });
    expect([...fake.messages.values()].some((m) => m.channel_id === id && m.content === 'Got it: make the shirt white')).toBe(true);
  });

  it('ignores channel chatter that does not mention the bot', async () => {
    const before = engine.messages.length;
    fake.userMessage(CHANNEL_ID, 'just chatting');
    const mentioned = fake.userMessage(CHANNEL_ID, `<@${BOT_ID}> hello`);
    await engine.until(() => engine.messages.length === before + 1);
    expect(engine.messages.at(-1)).toMatchObject({ eventId: mentioned, text: 'hello' });
  });
});

describe('Discord gateway without the Message Content intent enabled', () => {
  it('reconnects without it instead of staying offline, and still takes slash commands', async () => {
    const fake = await new FakeDiscord().start();
    fake.refusedIntents = 32768; // MessageContent not enabled in the "portal"
    const engine = new StubEngine();
    const env = readEnv({ DISCORD_TOKEN: 'fake-bot-token', DISCORD_API_URL: fake.apiUrl });
    const bot = await startTestBot('discord', { env, engine, http: new HttpServer(), logger: getLogger() });
    try {
      for (let i = 0; i < 100 && (await bot.health()).state !== 'ok'; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await bot.health()).state).toBe('ok');
      expect(fake.identifies.map((d) => Boolean(d.intents & 32768))).toEqual([true, false]);
      const status = fake.slashCommand('status');
      fake.sendInteraction(status);
      await engine.until(() => engine.commands.length === 1);
      expect(fake.requests.some((r) => r.method === 'PATCH' && r.route === `/webhooks/${APP_ID}/${status.token}/messages/@original`)).toBe(true);
    } finally {
      await bot.stop();
      await fake.close();
    }
  });
});
