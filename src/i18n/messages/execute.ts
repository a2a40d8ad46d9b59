import { defineMessages } from '../define.js';

export const executeMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
