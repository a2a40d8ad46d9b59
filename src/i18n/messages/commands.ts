import { defineMessages } from '../define.js';

export const commandsMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
