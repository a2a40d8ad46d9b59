import { defineMessages } from '../define.js';

export const engineMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
