import { defineMessages } from '../define.js';

export const evalMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
