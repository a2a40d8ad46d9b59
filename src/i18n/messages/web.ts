import { defineMessages } from '../define.js';

export const webMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
