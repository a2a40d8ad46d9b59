import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const manifest = parse(readFileSync(new URL('../../slack/manifest.yaml', import.meta.url), 'utf8'));

describe('slack/manifest.yaml', () => {
  it('asks for exactly the scopes the bot uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      ['app_mentions:read', 'channels:history', 'chat:write', 'files:read', 'files:write', 'groups:history', 'im:history'].sort(),
    );
  });

  it('subscribes to mentions, DMs and channel threads, with buttons and Socket Mode on', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(['app_mention', 'message.channels', 'message.groups', 'message.im']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.bot_user.display_name).toMatch(/^[a-z0-9._-]+$/);
  });
});
