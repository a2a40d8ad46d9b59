import { defineMessages } from '../define.js';

export const planMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
