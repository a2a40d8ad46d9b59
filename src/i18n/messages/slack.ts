import { defineMessages } from '../define.js';

export const slackMessages = defineMessages({
  en: {
    'slack.progress_queued': ':hourglass_flowing_sand: Queued — position {position}',
    'slack.progress_running': ':gear: Working on it…',
    'slack.progress_running_percent': ':gear: {bar} {percent}%',
    'slack.progress_done': ':white_check_mark: Done',
    'slack.progress_failed': ':x: Failed',
    'slack.progress_cancelled': ':no_entry_sign: Cancelled',
    'slack.file_host_refused':
      'I only open files stored in Slack. Upload the photo to this conversation (drag it in or use +) and mention me again.',
    'slack.download_failed':
      'I could not download the photo from Slack ({status}). Ask a workspace admin to check that the app has the files:read scope, then post the photo again.',
    'slack.file_too_large': 'That file is {size} MB; I can open photos up to {limit} MB. Post a smaller photo.',
    'slack.file_unavailable': 'Slack no longer lets me open that file (it may have been deleted or hidden). Post the photo again.',
    'slack.upload_failed':
      'I could not upload the edited photo to Slack. Ask a workspace admin to check that the app has the files:write scope, then press the button again.',
  },
  'zh-CN': {
    'slack.progress_queued': ':hourglass_flowing_sand: 排队中——第 {position} 位',
    'slack.progress_running': ':gear: 正在处理…',
    'slack.progress_running_percent': ':gear: {bar} {percent}%',
    'slack.progress_done': ':white_check_mark: 已完成',
    'slack.progress_failed': ':x: 失败',
    'slack.progress_cancelled': ':no_entry_sign: 已取消',
    'slack.file_host_refused': '我只能打开存放在 Slack 中的文件。请把照片直接上传到本会话（拖入或点 +），然后再 @ 我一次。',
    'slack.download_failed': '无法从 Slack 下载这张照片（{status}）。请让工作区管理员确认应用拥有 files:read 权限，然后重新发送照片。',
    'slack.file_too_large': '该文件大小为 {size} MB，我最多能打开 {limit} MB 的照片。请发送更小的照片。',
    'slack.file_unavailable': 'Slack 已不允许我打开该文件（可能已被删除或隐藏）。请重新发送照片。',
    'slack.upload_failed': '无法把编辑后的照片上传到 Slack。请让工作区管理员确认应用拥有 files:write 权限，然后再次点击按钮。',
  },
});
