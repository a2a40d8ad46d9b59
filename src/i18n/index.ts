import { LOCALES, type Locale } from './define.js';
import { commonMessages } from './messages/common.js';
import { commandsMessages } from './messages/commands.js';
import { segmentMessages } from './messages/segment.js';
import { planMessages } from './messages/plan.js';
import { executeMessages } from './messages/execute.js';
import { engineMessages } from './messages/engine.js';
import { webMessages } from './messages/web.js';
import { discordMessages } from './messages/discord.js';
import { slackMessages } from './messages/slack.js';
import { feishuMessages } from './messages/feishu.js';
import { evalMessages } from './messages/eval.js';
import { opsMessages } from './messages/ops.js';
import { availabilityMessages } from './messages/availability.js';
import { safetyMessages } from './messages/safety.js';

export { LOCALES, type Locale };

const english = {
  ...commonMessages.en,
  ...commandsMessages.en,
  ...segmentMessages.en,
  ...planMessages.en,
  ...executeMessages.en,
  ...engineMessages.en,
  ...webMessages.en,
  ...discordMessages.en,
  ...slackMessages.en,
  ...feishuMessages.en,
  ...evalMessages.en,
  ...opsMessages.en,
  ...availabilityMessages.en,
  ...safetyMessages.en,
};

export type MessageKey = keyof typeof english;

const chinese: Record<MessageKey, string> = {
  ...commonMessages['zh-CN'],
  ...commandsMessages['zh-CN'],
  ...segmentMessages['zh-CN'],
  ...planMessages['zh-CN'],
  ...executeMessages['zh-CN'],
  ...engineMessages['zh-CN'],
  ...webMessages['zh-CN'],
  ...discordMessages['zh-CN'],
  ...slackMessages['zh-CN'],
  ...feishuMessages['zh-CN'],
  ...evalMessages['zh-CN'],
  ...opsMessages['zh-CN'],
  ...availabilityMessages['zh-CN'],
  ...safetyMessages['zh-CN'],
};

const catalogs: Record<Locale, Record<MessageKey, string>> = { en: english, 'zh-CN': chinese };

/** Maps a platform locale ("zh-CN", "zh_CN", "zh", "en-US", "ja") to a supported locale. */
export function resolveLocale(raw: string | undefined | null, fallback: Locale = 'en'): Locale {
  if (!raw) return fallback;
  const lower = raw.toLowerCase().replace('_', '-');
  if (lower.startsWith('zh')) return 'zh-CN';
  if (lower.startsWith('en')) return 'en';
  return fallback;
}

/** Guesses the locale of free text: any CJK ideograph means Chinese. */
export function detectTextLocale(text: string, fallback: Locale = 'en'): Locale {
  if (/[\u3400-\u9fff\uf900-\ufaff]/.test(text)) return 'zh-CN';
  return /[A-Za-z]/.test(text) ? 'en' : fallback;
}

/** Renders a message in a locale, filling {placeholders}; unknown placeholders stay visible. */
export function t(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogs[locale][key] ?? catalogs.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(english, key);
}

/** Every key with its English and Chinese text, for completeness tests. */
export function allMessages(): Record<Locale, Record<string, string>> {
  return catalogs;
}
