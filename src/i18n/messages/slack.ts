import { defineMessages } from '../define.js';

export const slackMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
