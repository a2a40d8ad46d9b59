import { defineMessages } from '../define.js';

export const feishuMessages = defineMessages({
  en: {
    'feishu.card_title': 'Photo editor',
    'feishu.action_received': 'Got it, working on it…',
    'feishu.progress_queued': 'Waiting in line (position {position})…',
    'feishu.progress_running': 'Editing… {percent}%',
    'feishu.progress_running_plain': 'Editing…',
    'feishu.select_submit': 'Run selected',
    'feishu.image_too_large': 'The photo is larger than {limit}. Please send a smaller or compressed photo.',
    'feishu.image_unavailable': 'I could not download the photo from Feishu. Please send it again.',
    'feishu.not_configured': 'Feishu is not configured: set FEISHU_APP_ID and FEISHU_APP_SECRET.',
    'feishu.webhook_unprotected':
      'Feishu webhook mode needs FEISHU_VERIFICATION_TOKEN (and preferably FEISHU_ENCRYPT_KEY); until they are set every callback is refused.',
    'feishu.connected': 'Feishu long connection is open.',
    'feishu.connecting': 'Feishu long connection is starting or reconnecting.',
    'feishu.connection_failed': 'Feishu long connection failed: check FEISHU_APP_ID, FEISHU_APP_SECRET and that the app uses persistent-connection mode.',
    'feishu.webhook_ready': 'Feishu webhook routes are ready at /feishu/events and /feishu/card.',
  },
  'zh-CN': {
    'feishu.card_title': '照片编辑',
    'feishu.action_received': '收到，正在处理…',
    'feishu.progress_queued': '排队中（第 {position} 位）…',
    'feishu.progress_running': '正在编辑… {percent}%',
    'feishu.progress_running_plain': '正在编辑…',
    'feishu.select_submit': '运行所选',
    'feishu.image_too_large': '照片超过 {limit}，请发送更小或压缩过的照片。',
    'feishu.image_unavailable': '无法从飞书下载这张照片，请重新发送。',
    'feishu.not_configured': '飞书未配置：请设置 FEISHU_APP_ID 和 FEISHU_APP_SECRET。',
    'feishu.webhook_unprotected':
      '飞书 Webhook 模式需要 FEISHU_VERIFICATION_TOKEN（最好再设置 FEISHU_ENCRYPT_KEY）；设置之前所有回调都会被拒绝。',
    'feishu.connected': '飞书长连接已建立。',
    'feishu.connecting': '飞书长连接正在建立或重连。',
    'feishu.connection_failed': '飞书长连接失败：请检查 FEISHU_APP_ID、FEISHU_APP_SECRET，并确认应用已启用长连接订阅方式。',
    'feishu.webhook_ready': '飞书 Webhook 路由已就绪：/feishu/events 与 /feishu/card。',
  },
});
