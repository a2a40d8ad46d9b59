import { defineMessages } from '../define.js';

export const feishuMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
