import { defineMessages } from '../define.js';

export const opsMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
