import { defineMessages } from '../define.js';

export const segmentMessages = defineMessages({
  en: {
    'segment.model_missing': 'The parts model "{model}" is not available, so edits of single parts (hair, shirt, background…) cannot run.',
    'segment.model_unknown': 'There is no segmentation model card named "{model}". Known cards: {known}.',
    'segment.model_bad_hash':
      'The model file {file} is damaged or not the expected one (sha256 {actual}, expected {expected}). Delete it and run `chat-image-editor models fetch {model}` again.',
    'segment.model_bad_output':
      'The model "{model}" gave output of shape {actual}, but its card expects {expected}. Check the card in config/models.yaml (input/output names, layout, labels) or use another model.',
    'segment.model_bad_io': 'The model "{model}" has no {kind} named "{name}" (it has: {actual}). Fix the card in config/models.yaml.',
    'segment.model_load_failed': 'The model "{model}" could not be loaded ({detail}). Fetch it again with `chat-image-editor models fetch {model}`.',
    'segment.failed': 'Finding the parts of the photo failed ({detail}). Please try again; whole-photo edits still work.',
    'segment.remote_failed': 'The remote segmentation service did not answer properly ({detail}). Please try again later.',
    'segment.no_url': 'The model card "{model}" has no download URL. {hint}',
    'segment.download_offline':
      'Could not reach {host} to download "{model}" ({detail}). Check the network, or download {url} yourself and place it at {path} (or set SEGMENT_MODEL_PATH).',
    'segment.download_failed': 'Downloading "{model}" failed: the server answered {status}. Check the URL in config/models.yaml.',
    'segment.download_size': 'Downloaded "{model}" has {actual} bytes, expected {expected}. Run `chat-image-editor models fetch {model}` again.',
    'segment.labelmap_unreadable': 'The label map could not be read ({detail}). It must be an 8-bit single-channel PNG.',
    'segment.labelmap_bad_value':
      'The label map contains the value {value} (first at x={x}, y={y}), but the model has only {count} labels (0..{max}). Was it made by another model?',
    'segment.labelmap_size': 'The label map is {actual} but the photo is {expected}. Segment this photo again.',
    'segment.unknown_label': 'The photo has no part called "{label}". Parts found: {available}.',
    'segment.bad_points': 'Could not read the points "{points}". Write them as x,y;x,y with whole numbers inside the image ({width}×{height}).',
    'segment.fetched': 'Model "{model}" is ready at {path}.',
    'segment.verified': 'Model "{model}" is intact (sha256 {sha256}).',
    'segment.verify_missing': 'Model "{model}" is not downloaded yet ({path}). Run `chat-image-editor models fetch {model}`.',
    'segment.verify_unpinned': 'Model "{model}" has no pinned sha256 in its card; the file\'s sha256 is {sha256}.',
    'segment.overlay_legend': 'Parts found',
    'segment.file_unreadable': 'Cannot read the file {file} ({detail}). Check the path.',
    'segment.label_absent': 'Note: the label map has no pixels of {labels}; they add nothing to the mask.',
    'segment.models_header': 'Segmentation models (active: {active}, cache: {dir})',
  },
  'zh-CN': {
    'segment.model_missing': '部位识别模型"{model}"不可用，因此无法单独编辑头发、上衣、背景等部位。',
    'segment.model_unknown': '没有名为"{model}"的分割模型配置。已知的有：{known}。',
    'segment.model_bad_hash':
      '模型文件 {file} 已损坏或不是预期的文件（sha256 为 {actual}，应为 {expected}）。请删除后重新运行 `chat-image-editor models fetch {model}`。',
    'segment.model_bad_output':
      '模型"{model}"的输出形状为 {actual}，但配置要求 {expected}。请检查 config/models.yaml 中的模型配置（输入输出名称、布局、标签），或换用其他模型。',
    'segment.model_bad_io': '模型"{model}"没有名为"{name}"的{kind}（实际有：{actual}）。请修改 config/models.yaml 中的配置。',
    'segment.model_load_failed': '无法加载模型"{model}"（{detail}）。请用 `chat-image-editor models fetch {model}` 重新下载。',
    'segment.failed': '识别照片部位失败（{detail}）。请再试一次；整张照片的编辑仍然可用。',
    'segment.remote_failed': '远程分割服务没有正确响应（{detail}），请稍后再试。',
    'segment.no_url': '模型配置"{model}"没有下载地址。{hint}',
    'segment.download_offline':
      '无法连接 {host} 下载"{model}"（{detail}）。请检查网络，或自行下载 {url} 并放到 {path}（也可设置 SEGMENT_MODEL_PATH）。',
    'segment.download_failed': '下载"{model}"失败：服务器返回 {status}。请检查 config/models.yaml 中的地址。',
    'segment.download_size': '下载的"{model}"大小为 {actual} 字节，应为 {expected} 字节。请重新运行 `chat-image-editor models fetch {model}`。',
    'segment.labelmap_unreadable': '无法读取标签图（{detail}）。它必须是 8 位单通道 PNG。',
    'segment.labelmap_bad_value':
      '标签图中有值 {value}（首次出现在 x={x}, y={y}），但模型只有 {count} 个标签（0..{max}）。它是否由其他模型生成？',
    'segment.labelmap_size': '标签图尺寸为 {actual}，而照片是 {expected}。请重新分割这张照片。',
    'segment.unknown_label': '照片中没有名为"{label}"的部位。识别到的部位：{available}。',
    'segment.bad_points': '无法读取坐标"{points}"。请写成 x,y;x,y，使用图片范围内（{width}×{height}）的整数。',
    'segment.fetched': '模型"{model}"已就绪：{path}。',
    'segment.verified': '模型"{model}"完好（sha256 {sha256}）。',
    'segment.verify_missing': '模型"{model}"尚未下载（{path}）。请运行 `chat-image-editor models fetch {model}`。',
    'segment.verify_unpinned': '模型"{model}"的配置中没有固定的 sha256；该文件的 sha256 为 {sha256}。',
    'segment.overlay_legend': '识别到的部位',
    'segment.file_unreadable': '无法读取文件 {file}（{detail}）。请检查路径。',
    'segment.label_absent': '提示：标签图中没有 {labels} 的像素，它们不会加入蒙版。',
    'segment.models_header': '分割模型（当前：{active}，缓存目录：{dir}）',
  },
});
