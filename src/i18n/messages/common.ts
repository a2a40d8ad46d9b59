import { defineMessages } from '../define.js';

export const commonMessages = defineMessages({
  en: {
    'common.internal_error': 'Something went wrong on our side. Please try again; if it keeps happening, tell the bot operator (reference: {ref}).',
    'common.not_available': '"{feature}" is not available yet in this version.',
    'config.invalid': 'The configuration is invalid: {detail}',
    'image.not_image': 'That file is not an image I can read. Please send a JPEG, PNG, WebP, GIF or TIFF photo.',
    'image.unsupported_format': 'I cannot edit {format} files. Please send a JPEG, PNG, WebP, GIF or TIFF photo.',
    'image.empty': 'The file is empty. Please send the photo again.',
    'image.too_large': 'The photo is {megapixels} megapixels; the limit is {limit}. Please send a smaller photo.',
    'image.too_many_bytes': 'The file is {size}; the limit is {limit}. Please send a smaller or compressed photo.',
    'image.corrupt': 'The photo seems damaged or cut off. Please send it again.',
  },
  'zh-CN': {
    'common.internal_error': '我们这边出了点问题，请再试一次；如果反复出现，请联系机器人管理员（参考编号：{ref}）。',
    'common.not_available': '当前版本暂不支持"{feature}"。',
    'config.invalid': '配置无效：{detail}',
    'image.not_image': '无法读取这个文件。请发送 JPEG、PNG、WebP、GIF 或 TIFF 格式的照片。',
    'image.unsupported_format': '无法编辑 {format} 文件。请发送 JPEG、PNG、WebP、GIF 或 TIFF 格式的照片。',
    'image.empty': '文件是空的，请重新发送照片。',
    'image.too_large': '这张照片有 {megapixels} 百万像素，上限是 {limit}。请发送更小的照片。',
    'image.too_many_bytes': '文件大小为 {size}，上限是 {limit}。请发送更小或压缩过的照片。',
    'image.corrupt': '照片似乎已损坏或不完整，请重新发送。',
  },
});
