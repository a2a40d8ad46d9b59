import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REST, Routes } from 'discord.js';
import { readEnv, type EnvSettings } from '../../config/env.js';
import { resolveLocale, t } from '../../i18n/index.js';
import { commandDefinitions, inviteUrl } from './commands.js';
import { discordApiBase } from './messenger.js';

export interface RegisterResult {
  scope: 'global' | 'guild';
  guildId?: string;
  commands: { id: string; name: string; type: number }[];
  inviteUrl: string;
}

/**
 * Replaces the application's commands with ours (PUT is idempotent): globally, or in one guild,
 * where changes show at once (handy while developing).
 */
export async function registerCommands(opts: { env: EnvSettings; guildId?: string }): Promise<RegisterResult> {
  const { token, appId } = opts.env.discord;
  const apiUrl = discordApiBase(opts.env.discord.apiUrl);
  if (!token || !appId) throw new Error('missing DISCORD_TOKEN or DISCORD_APP_ID');
  const rest = new REST({ version: '10', ...(apiUrl ? { api: apiUrl } : {}) }).setToken(token);
  const route = opts.guildId ? Routes.applicationGuildCommands(appId, opts.guildId) : Routes.applicationCommands(appId);
  // `contexts` and `integration_types` are for global commands only; a guild's commands go without them.
  const body = opts.guildId ? commandDefinitions().map(({ contexts: _c, integration_types: _i, ...rest }) => rest) : commandDefinitions();
  const created = (await rest.put(route, { body })) as { id: string; name: string; type: number }[];
  return {
    scope: opts.guildId ? 'guild' : 'global',
    ...(opts.guildId ? { guildId: opts.guildId } : {}),
    commands: created.map((c) => ({ id: c.id, name: c.name, type: c.type })),
    inviteUrl: inviteUrl(appId),
  };
}

/** `npm run discord:register [-- --guild ID] [--json]`; DISCORD_GUILD_ID works as well. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const locale = resolveLocale(process.env.LC_ALL ?? process.env.LANG);
  const json = argv.includes('--json');
  const guildFlag = argv.indexOf('--guild');
  const guildId = (guildFlag >= 0 ? argv[guildFlag + 1] : undefined) ?? argv.find((a) => /^\d{5,25}$/.test(a)) ?? process.env.DISCORD_GUILD_ID?.trim() ?? undefined;
  const env = readEnv();
  if (!env.discord.token || !env.discord.appId) {
    process.stderr.write(`${t(locale, 'discord.register_missing_env')}\n`);
    return 2;
  }
  try {
    const result = await registerCommands({ env, guildId: guildId || undefined });
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const scope = result.scope === 'guild' ? t(locale, 'discord.register_scope_guild', { guild: result.guildId ?? '' }) : t(locale, 'discord.register_scope_global');
      process.stdout.write(`${t(locale, 'discord.register_done', { count: result.commands.length, scope })}\n`);
      process.stdout.write(`${t(locale, 'discord.invite', { url: result.inviteUrl })}\n`);
    }
    return 0;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    // An HTTP status means Discord answered (and refused); anything else never reached it.
    const answered = typeof (err as { status?: unknown } | null)?.status === 'number';
    process.stderr.write(`${t(locale, answered ? 'discord.register_failed' : 'discord.register_unreachable', { detail })}\n`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
