import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { BOT_PERMISSIONS, commandDefinitions, inviteUrl } from '../../src/bots/discord/commands.js';
import { main, registerCommands } from '../../src/bots/discord/register.js';
import { APP_ID, FakeDiscord, GUILD_ID } from './fake-discord.js';

// Discord's rule for chat-input command and option names.
const CHAT_NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

describe('command definitions', () => {
  it('define /edit, /suggest, /settings, /status and "Edit image", localised in Chinese', () => {
    const defs = commandDefinitions() as any[];
    expect(defs.map((d) => [d.name, d.type])).toEqual([
      ['edit', 1],
      ['suggest', 1],
      ['settings', 1],
      ['status', 1],
      ['Edit image', 3],
    ]);
    for (const d of defs) {
      expect(d.name_localizations['zh-CN']).toBeTruthy();
      if (d.type !== 1) continue;
      expect(d.description_localizations['zh-CN']).toBeTruthy();
      for (const name of [d.name, d.name_localizations['zh-CN'], ...(d.options ?? []).flatMap((o: any) => [o.name, o.name_localizations['zh-CN']])]) {
        expect(name).toMatch(CHAT_NAME);
        expect(name).toBe(name.toLowerCase());
      }
      expect(d.description.length).toBeLessThanOrEqual(100);
      expect(d.description_localizations['zh-CN'].length).toBeLessThanOrEqual(100);
    }
    const edit = defs[0];
    expect(edit.options.map((o: any) => [o.name, o.type, o.required])).toEqual([
      ['image', 11, true],
      ['instruction', 3, true],
    ]);
  });

  it('builds an invite URL with bot + applications.commands and only the permissions needed', () => {
    const url = new URL(inviteUrl(APP_ID));
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('client_id')).toBe(APP_ID);
    // SendMessages 2^11, EmbedLinks 2^14, AttachFiles 2^15, ReadMessageHistory 2^16,
    // CreatePublicThreads 2^35, SendMessagesInThreads 2^38.
    const expected = (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 35n) | (1n << 38n);
    expect(BOT_PERMISSIONS).toBe(expected);
    expect(url.searchParams.get('permissions')).toBe(expected.toString());
  });
});

describe('discord:register', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await new FakeDiscord().start();
  });
  afterAll(async () => {
    await fake.close();
    vi.unstubAllEnvs();
  });

  it('replaces the global commands through REST', async () => {
    const env = readEnv({ DISCORD_TOKEN: 'tok', DISCORD_APP_ID: APP_ID, DISCORD_API_URL: fake.apiUrl });
    const result = await registerCommands({ env });
    expect(result.scope).toBe('global');
    expect(result.commands).toHaveLength(5);
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.route).toBe(`/applications/${APP_ID}/commands`);
    expect(put.headers.authorization).toBe('Bot tok');
    expect(put.json).toEqual(JSON.parse(JSON.stringify(commandDefinitions())));
  });

  it('registers per guild from the command line and prints JSON', async () => {
    vi.stubEnv('DISCORD_TOKEN', 'tok');
    vi.stubEnv('DISCORD_APP_ID', APP_ID);
    vi.stubEnv('DISCORD_API_URL', fake.apiUrl);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--guild', GUILD_ID, '--json'])).toBe(0);
      const printed = JSON.parse(String(out.mock.calls[0][0]));
      expect(printed).toMatchObject({ scope: 'guild', guildId: GUILD_ID });
    } finally {
      out.mockRestore();
    }
    const guild = fake.registeredCommands.at(-1)!;
    expect(guild.route).toBe(`/applications/${APP_ID}/guilds/${GUILD_ID}/commands`);
    // contexts and integration_types are for global commands only (the fake refuses them per guild).
    for (const c of guild.body) expect(Object.keys(c)).not.toEqual(expect.arrayContaining(['contexts']));
    for (const c of guild.body) expect(Object.keys(c)).not.toEqual(expect.arrayContaining(['integration_types']));
    expect(fake.rejected).toEqual([]);
  });

  it('accepts DISCORD_API_URL with or without the /v10 suffix', async () => {
    for (const api of [`${fake.apiUrl}/v10`, `${fake.apiUrl}/v10/`, `${fake.apiUrl}/`]) {
      const before = fake.registeredCommands.length;
      const env = readEnv({ DISCORD_TOKEN: 'tok', DISCORD_APP_ID: APP_ID, DISCORD_API_URL: api });
      await registerCommands({ env });
      expect(fake.registeredCommands.length).toBe(before + 1);
    }
    expect(fake.requests.some((r) => r.route.startsWith('/v10'))).toBe(false);
  });

  it('says what to set when the token or application id is missing', async () => {
    vi.stubEnv('DISCORD_TOKEN', '');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main([])).toBe(2);
      expect(String(err.mock.calls[0][0])).toContain('DISCORD_TOKEN');
    } finally {
      err.mockRestore();
    }
  });
});
