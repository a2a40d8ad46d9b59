import { defineMessages } from '../define.js';

export const opsMessages = defineMessages({
  en: {
    'ops.restarting': 'The bot is restarting. Please send that again in a minute.',
  },
  'zh-CN': {
    'ops.restarting': '机器人正在重启，请一分钟后再发一次。',
  },
});
