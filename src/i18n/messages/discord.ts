import { defineMessages } from '../define.js';

export const discordMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
