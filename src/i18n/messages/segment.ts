import { defineMessages } from '../define.js';

export const segmentMessages = defineMessages({
  en: {},
  'zh-CN': {},
});
