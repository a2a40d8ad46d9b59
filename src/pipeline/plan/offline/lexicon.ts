/**
 * The offline interpreter's vocabulary (English + Simplified Chinese), apart from the part
 * names, which come from config/labels.yaml through CommandLanguage.matchLabel. Every entry is
 * a phrase → token; the tokenizer takes the longest phrase at each position, so "black and
 * white" beats "black", "漂亮" beats "亮" and "美白" beats "白".
 *
 * `gloss` is the English a Chinese phrase contributes to an inpainting prompt.
 */

export type Direction = 'up' | 'down';
export type AdjustDim = 'brightness' | 'contrast' | 'saturation';

export type LexToken =
  | { kind: 'verb'; verb: 'change' | 'place' | 'wear' | 'give' }
  | { kind: 'marker'; reverse?: boolean }
  | { kind: 'op'; op: 'cutout' | 'remove' | 'grayscale' | 'blur' | 'beauty' | 'swap_face' }
  | { kind: 'bokeh' }
  | { kind: 'adjust'; dim: AdjustDim; dir?: Direction }
  | { kind: 'modifier'; dir?: Direction; amount?: 'strong' | 'slight' }
  | { kind: 'colour'; hex: string; gloss: string }
  | { kind: 'face'; gloss: string }
  | { kind: 'scene'; gloss: string }
  | { kind: 'garment'; label: string; gloss: string }
  | { kind: 'whole' }
  | { kind: 'it' }
  | { kind: 'me' }
  | { kind: 'except' }
  | { kind: 'ask' }
  | { kind: 'neg' }
  | { kind: 'keep' }
  | { kind: 'too' }
  | { kind: 'sep' }
  | { kind: 'and' }
  | { kind: 'filler' }
  | { kind: 'word'; gloss: string };

type Entry = [phrases: string[], token: LexToken];

const colour = (hex: string, gloss: string, phrases: string[]): Entry => [phrases, { kind: 'colour', hex, gloss }];

const COLOURS: Entry[] = [
  colour('#ff0000', 'red', ['red', '红', '红色', '大红', '大红色', '正红', '正红色']),
  colour('#8b0000', 'dark red', ['dark red', 'deep red', '深红', '深红色', '暗红', '暗红色']),
  colour('#800020', 'burgundy', ['burgundy', 'wine red', 'wine', '酒红', '酒红色', '枣红', '枣红色']),
  colour('#dc143c', 'crimson', ['crimson', '绯红', '绯红色']),
  colour('#ffc0cb', 'pink', ['pink', '粉', '粉色', '粉红', '粉红色', '浅粉', '浅粉色']),
  colour('#ff69b4', 'hot pink', ['hot pink', '桃红', '桃红色', '玫红', '玫红色']),
  colour('#ffa500', 'orange', ['orange', '橙', '橙色', '橘色', '橘黄', '橘黄色', '橘红色']),
  colour('#ff7f50', 'coral', ['coral', '珊瑚色']),
  colour('#ffff00', 'yellow', ['yellow', '黄', '黄色', '明黄', '明黄色', '鹅黄', '鹅黄色']),
  colour('#ffd700', 'gold', ['gold', 'golden', '金', '金色', '金黄', '金黄色']),
  colour('#faf0be', 'blonde', ['blonde', 'blond', '浅金', '浅金色', '亚麻色']),
  colour('#008000', 'green', ['green', '绿', '绿色']),
  colour('#006400', 'dark green', ['dark green', 'forest green', '墨绿', '墨绿色', '深绿', '深绿色']),
  colour('#90ee90', 'light green', ['light green', '浅绿', '浅绿色', '嫩绿', '嫩绿色']),
  colour('#98ff98', 'mint', ['mint', 'mint green', '薄荷绿', '薄荷色']),
  colour('#808000', 'olive', ['olive', '橄榄绿', '橄榄色', '军绿', '军绿色']),
  colour('#0000ff', 'blue', ['blue', '蓝', '蓝色']),
  colour('#00008b', 'dark blue', ['dark blue', 'deep blue', '深蓝', '深蓝色']),
  colour('#000080', 'navy', ['navy', 'navy blue', '藏青', '藏青色', '藏蓝', '藏蓝色', '海军蓝']),
  colour('#add8e6', 'light blue', ['light blue', 'pale blue', 'baby blue', '浅蓝', '浅蓝色', '淡蓝', '淡蓝色']),
  colour('#87ceeb', 'sky blue', ['sky blue', '天蓝', '天蓝色']),
  colour('#4169e1', 'royal blue', ['royal blue', '宝蓝', '宝蓝色']),
  colour('#00ffff', 'cyan', ['cyan', 'aqua', '青色', '青']),
  colour('#008080', 'teal', ['teal', '蓝绿色', '孔雀蓝']),
  colour('#40e0d0', 'turquoise', ['turquoise', '绿松石色']),
  colour('#800080', 'purple', ['purple', '紫', '紫色', '深紫', '深紫色']),
  colour('#ee82ee', 'violet', ['violet', 'lilac', '浅紫', '浅紫色', '淡紫', '淡紫色', '紫罗兰', '紫罗兰色']),
  colour('#e6e6fa', 'lavender', ['lavender', '薰衣草色']),
  colour('#ff00ff', 'magenta', ['magenta', 'fuchsia', '洋红', '洋红色', '品红', '品红色']),
  colour('#800000', 'maroon', ['maroon', 'chestnut', '栗色', '栗红色']),
  colour('#8b4513', 'brown', ['brown', '棕', '棕色', '褐色', '咖啡色', '咖色', '深棕', '深棕色', '巧克力色']),
  colour('#d2b48c', 'tan', ['tan', 'camel', '驼色', '卡其色', '卡其']),
  colour('#f5f5dc', 'beige', ['beige', '米色', '米白', '米白色', '杏色']),
  colour('#fffdd0', 'cream', ['cream', 'ivory', '奶油色', '象牙白', '乳白', '乳白色']),
  colour('#ffffff', 'white', ['white', '白', '白色', '纯白', '纯白色']),
  colour('#000000', 'black', ['black', '黑', '黑色', '纯黑', '纯黑色']),
  colour('#808080', 'gray', ['gray', 'grey', '灰', '灰色']),
  colour('#a9a9a9', 'dark gray', ['dark gray', 'dark grey', 'charcoal', '深灰', '深灰色', '炭灰色']),
  colour('#d3d3d3', 'light gray', ['light gray', 'light grey', '浅灰', '浅灰色']),
  colour('#c0c0c0', 'silver', ['silver', '银', '银色']),
];

const face = (gloss: string, phrases: string[]): Entry => [phrases, { kind: 'face', gloss }];
const scene = (gloss: string, phrases: string[]): Entry => [phrases, { kind: 'scene', gloss }];
const garment = (label: string, gloss: string, phrases: string[]): Entry => [phrases, { kind: 'garment', label, gloss }];
const word = (gloss: string, phrases: string[]): Entry => [phrases, { kind: 'word', gloss }];

const FACE: Entry[] = [
  face('smile', ['smile', 'smiling', 'smiley', 'grin', 'grinning', '微笑', '笑', '笑容', '笑脸', '笑一笑', '笑一下']),
  face('laughing', ['laugh', 'laughing', '大笑', '开怀大笑']),
  face('toothy smile', ['露齿笑', '露齿微笑']),
  face('happy expression', ['happy', 'happier', 'cheerful', '开心', '高兴', '快乐']),
  face('serious expression', ['serious', '严肃']),
  face('makeup', ['makeup', 'make-up', 'make up', '化妆', '妆', '妆容', '上妆']),
  face('light makeup', ['light makeup', 'natural makeup', '淡妆', '素颜妆']),
  face('heavy makeup', ['heavy makeup', '浓妆']),
  face('lipstick', ['lipstick', '口红', '唇膏']),
  face('younger looking', ['younger', 'look younger', '年轻', '更年轻', '减龄']),
  face('older looking', ['older', '更老', '显老']),
  face('no wrinkles', ['wrinkles', '皱纹', '去皱']),
  face('bigger eyes', ['bigger eyes', '大眼睛', '大眼', '眼睛变大', '眼睛大一点']),
  face('eyes', ['eyes', '眼睛']),
  face('slimmer face', ['slimmer face', 'slim face', 'thinner face', '瘦脸', '脸瘦', '小脸', '脸小一点']),
  face('expression', ['expression', '表情']),
  face('wink', ['wink', 'winking', '眨眼']),
  face('dimples', ['dimples', '酒窝']),
];

const SCENES: Entry[] = [
  scene('beach', ['beach', 'beaches', '沙滩', '海滩']),
  scene('seaside', ['seaside', 'sea', 'ocean', 'coast', '海边', '大海', '海', '海景']),
  scene('snowy mountain', ['snowy mountain', '雪山']),
  scene('mountains', ['mountain', 'mountains', 'hills', '山', '山上', '高山', '山顶']),
  scene('snow', ['snow', 'snowy', '雪', '雪地', '雪景']),
  scene('forest', ['forest', 'woods', 'jungle', '森林', '树林', '丛林']),
  scene('city', ['city', 'downtown', 'skyline', '城市', '市区']),
  scene('street', ['street', 'streets', '街道', '街头', '街']),
  scene('night view', ['night', 'nighttime', '夜景', '夜晚', '晚上', '夜']),
  scene('sunset', ['sunset', 'dusk', 'golden hour', '日落', '夕阳', '黄昏', '傍晚']),
  scene('sunset glow', ['晚霞', '彩霞']),
  scene('sunrise', ['sunrise', 'dawn', '日出', '朝霞']),
  scene('starry night sky', ['starry', 'stars', 'starry sky', '星空', '星星', '银河']),
  scene('park', ['park', '公园']),
  scene('garden', ['garden', '花园']),
  scene('flower field', ['flowers', 'flower field', '花海', '花丛']),
  scene('cherry blossoms', ['cherry blossom', 'cherry blossoms', 'sakura', '樱花']),
  scene('desert', ['desert', '沙漠']),
  scene('outer space', ['space', 'outer space', 'galaxy', '太空', '外太空', '宇宙']),
  scene('studio backdrop', ['studio', '影棚', '摄影棚']),
  scene('office', ['office', '办公室']),
  scene('classroom', ['classroom', '教室']),
  scene('cafe', ['cafe', 'café', 'coffee shop', '咖啡馆', '咖啡厅']),
  scene('lake', ['lake', '湖', '湖边', '湖泊']),
  scene('river', ['river', '河', '河边', '江边']),
  scene('grassland', ['meadow', 'field', 'grassland', 'prairie', '草原', '草地', '田野']),
  scene('waterfall', ['waterfall', '瀑布']),
  scene('rain', ['rain', 'rainy', '下雨', '雨天', '雨']),
  scene('blue sky', ['blue sky', '蓝天']),
  scene('white clouds', ['clouds', '白云', '云']),
  scene('Paris', ['paris', '巴黎']),
  scene('Eiffel Tower', ['eiffel tower', '埃菲尔铁塔']),
  scene('Tokyo', ['tokyo', '东京']),
  scene('New York', ['new york', 'nyc', '纽约']),
  scene('London', ['london', '伦敦']),
  scene('Beijing', ['beijing', '北京']),
  scene('Great Wall', ['great wall', '长城']),
  scene('castle', ['castle', '城堡']),
  scene('library', ['library', '图书馆']),
  scene('autumn leaves', ['autumn', 'fall leaves', '秋天', '秋景', '枫叶']),
  scene('spring', ['spring', '春天']),
  scene('winter', ['winter', '冬天']),
  scene('summer', ['summer', '夏天']),
];

/** Clothing words that are not part names themselves but tell which part they would replace. */
const GARMENTS: Entry[] = [
  garment('Upper-clothes', 'suit', ['suit', 'blazer', 'tuxedo', '西装', '西服', '正装']),
  garment('Upper-clothes', 'cardigan', ['cardigan', '开衫']),
  garment('Upper-clothes', 'polo shirt', ['polo', 'polo shirt', 'polo衫']),
  garment('Upper-clothes', 'leather jacket', ['皮夹克', '皮衣']),
  garment('Upper-clothes', 'down jacket', ['down jacket', 'puffer', '羽绒服']),
  garment('Upper-clothes', 'trench coat', ['trench coat', '风衣']),
  garment('Upper-clothes', 'sportswear', ['sportswear', '运动服']),
  garment('Upper-clothes', 'school uniform', ['校服']),
  garment('Upper-clothes', 'sweatshirt', ['sweatshirt']),
  garment('Dress', 'wedding dress', ['wedding dress', '婚纱']),
  garment('Dress', 'qipao', ['qipao', 'cheongsam', '旗袍']),
  garment('Dress', 'hanfu', ['hanfu', '汉服']),
  garment('Dress', 'evening gown', ['evening gown', '晚礼服']),
  garment('Dress', 'long dress', ['long dress', 'maxi dress']),
  garment('Pants', 'jeans', ['牛仔']),
  garment('Hat', 'straw hat', ['straw hat', '草帽']),
  garment('Hat', 'baseball cap', ['baseball cap', '棒球帽', '鸭舌帽']),
  garment('Left-shoe', 'sneakers', ['运动鞋', '球鞋']),
];

/** Chinese words that often appear inside prompts, with their English. */
const WORDS: Entry[] = [
  word('sunlit', ['阳光下', '阳光下的']),
  word('sunny', ['阳光', '阳光明媚', '晴天', '晴朗']),
  word('bright', ['明亮']),
  word('beautiful', ['美丽', '漂亮的', '美丽的']),
  word('cute', ['可爱', '可爱的']),
  word('vintage', ['复古', '复古的']),
  word('fashionable', ['时尚', '时髦', '时尚的']),
  word('elegant', ['优雅', '优雅的', '高雅']),
  word('cool', ['酷', '帅气', '帅气的']),
  word('striped', ['条纹', '条纹的']),
  word('plaid', ['格子', '格子的', '格纹']),
  word('floral', ['碎花', '印花', '花朵']),
  word('flowers', ['花']),
  word('lace', ['蕾丝']),
  word('silk', ['丝绸', '真丝']),
  word('leather', ['皮革', '皮质']),
  word('denim', ['牛仔布']),
  word('long', ['长', '长款']),
  word('short', ['短', '短款']),
  word('big', ['大']),
  word('small', ['小']),
  word('old', ['老', '旧']),
  word('new', ['新']),
  word('modern', ['现代', '现代的']),
  word('traditional', ['传统', '传统的']),
  word('chinese style', ['中国风', '中式']),
  word('japanese style', ['日式', '和风']),
  word('curly hair', ['卷发']),
  word('straight hair', ['直发']),
  word('short hair', ['短发']),
  word('long hair', ['长发']),
  word('blonde hair', ['金发']),
  word('ponytail', ['马尾']),
  word('bun', ['丸子头']),
  word('bangs', ['刘海']),
  word('building', ['建筑', '大楼', '楼']),
  word('tree', ['树']),
  word('trees', ['树木']),
  word('house', ['房子', '房间']),
  word('room', ['屋里', '室内']),
  word('window', ['窗户', '窗边']),
  word('road', ['马路', '公路', '路']),
  word('bridge', ['桥']),
  word('sky', ['天空']),
  word('sun', ['太阳']),
  word('moon', ['月亮']),
  word('light', ['光', '灯光']),
  word('warm', ['温暖', '暖色', '暖色调']),
  word('cold', ['冷色', '冷色调', '寒冷']),
  word('pure', ['纯']),
  word('plain', ['纯色', '素色']),
  word('pattern', ['图案', '花纹']),
  word('t-shirt', ['t恤', 't恤衫']),
  word('shirt', ['衬衫', '衬衣']),
  word('jacket', ['夹克']),
  word('coat', ['外套', '大衣']),
  word('sweater', ['毛衣', '针织衫']),
  word('hoodie', ['卫衣']),
  word('vest', ['背心', '马甲']),
  word('skirt', ['裙子', '短裙', '半身裙', '裙']),
  word('long dress', ['长裙']),
  word('dress', ['连衣裙']),
  word('gown', ['礼服']),
  word('pants', ['裤子', '长裤', '下装']),
  word('shorts', ['短裤']),
  word('jeans', ['牛仔裤']),
  word('hat', ['帽子', '帽']),
  word('scarf', ['围巾', '丝巾']),
  word('sunglasses', ['墨镜', '太阳镜']),
  word('glasses', ['眼镜']),
  word('shoes', ['鞋子', '鞋']),
  word('bag', ['包', '包包', '手提包', '背包']),
  word('belt', ['腰带', '皮带']),
  word('background', ['背景', '背景图']),
  word('hair', ['头发']),
];

const ENTRIES: Entry[] = [
  // Verbs that introduce a change; the target follows a marker or the part.
  [['change', 'changing', 'replace', 'replacing', 'turn', 'make', 'switch', 'swap', 'transform', 'convert', 'paint', 'dye', 'color', 'colour', 'recolor', 'recolour', 'set'], { kind: 'verb', verb: 'change' }],
  [['换', '改', '变', '更换', '替换', '改变', '变换', '换掉', '染', '涂', '刷', '弄', '弄成', '调成', '设为', '设置为', '做成', '处理成'], { kind: 'verb', verb: 'change' }],
  [['put', 'place', 'send', 'take me', 'teleport'], { kind: 'verb', verb: 'place' }],
  [['wear', 'wearing', 'put on', 'dress me in', '穿', '穿上', '换上', '戴', '戴上', '穿着'], { kind: 'verb', verb: 'wear' }],
  [['give', 'i want', 'i would like', "i'd like", 'i need', 'add', '来', '加', '加上', '添加', '我想要', '我要', '想要'], { kind: 'verb', verb: 'give' }],
  [['to', 'into', 'with', 'as', 'look like', 'looks like', 'like', 'for', '为', '成', '成为', '像'], { kind: 'marker' }],
  [['instead of', 'rather than', 'in place of', '代替', '而不是'], { kind: 'marker', reverse: true }],
  // Operations.
  [['keep only', 'only keep', 'just keep', 'keep just', 'cut out', 'cutout', 'cut me out', 'isolate', 'extract', 'only show', 'show only'], { kind: 'op', op: 'cutout' }],
  [['仅保留', '只保留', '只留', '只留下', '仅留', '仅留下', '保留', '抠出', '抠图', '抠出来', '只要'], { kind: 'op', op: 'cutout' }],
  [['remove', 'delete', 'erase', 'get rid of', 'take off', 'take away', 'eliminate', 'without'], { kind: 'op', op: 'remove' }],
  [['去掉', '去除', '删除', '删掉', '删', '移除', '抹掉', '抹去', '擦掉', '拿掉', '摘掉', '脱掉', '不要', '去掉了'], { kind: 'op', op: 'remove' }],
  [['black and white', 'black & white', 'black-and-white', 'b&w', 'b/w', 'grayscale', 'greyscale', 'monochrome', 'gray scale', 'grey scale', 'colorless', 'colourless'], { kind: 'op', op: 'grayscale' }],
  [['黑白', '灰度', '去色', '单色', '黑白色'], { kind: 'op', op: 'grayscale' }],
  [['blur', 'blurred', 'blurry', 'blurring', 'defocus', 'defocused', 'out of focus', 'soft focus', 'unfocused'], { kind: 'op', op: 'blur' }],
  [['模糊', '朦胧', '糊'], { kind: 'op', op: 'blur' }],
  [['bokeh', 'depth of field', 'portrait mode', '虚化', '景深'], { kind: 'bokeh' }],
  [['beautify', 'beautified', 'beauty', 'retouch', 'touch up', 'touch-up', 'enhance', 'prettier', 'more beautiful', 'more attractive', 'glow up', 'airbrush', 'smooth skin', 'smoother skin', 'improve', 'look better', 'look good', 'nicer', 'more professional', 'professional'], { kind: 'op', op: 'beauty' }],
  [['美颜', '美化', '美白', '磨皮', '精修', '修图', '修一下', '修修', '好看', '漂亮', '变美', '美一点', '更美', '美美的', '优化', '改进', '改善', '提升', '更专业'], { kind: 'op', op: 'beauty' }],
  [['face swap', 'faceswap', 'swap face', 'swap faces', 'swap my face', 'swap the face', 'switch faces', 'switch my face', 'replace my face', 'replace the face', 'change my face to', 'use the face', 'use my face', 'put my face'], { kind: 'op', op: 'swap_face' }],
  [['换脸', '换个脸', '换张脸', '人脸替换', '替换脸', '替换人脸', '换成我的脸', '换成他的脸', '换成她的脸', '脸换成'], { kind: 'op', op: 'swap_face' }],
  // Local adjustments.
  [['brighter', 'brighten', 'brightened', 'bright', 'lighter', 'lighten', 'more light', 'light up', 'less dark', 'sunnier'], { kind: 'adjust', dim: 'brightness', dir: 'up' }],
  [['亮', '提亮', '调亮', '变亮', '亮一点', '更亮', '亮些', '明亮些'], { kind: 'adjust', dim: 'brightness', dir: 'up' }],
  [['darker', 'darken', 'darkened', 'dark', 'dim', 'dimmer', 'less bright', 'moodier', 'deeper'], { kind: 'adjust', dim: 'brightness', dir: 'down' }],
  [['暗', '调暗', '变暗', '压暗', '暗一点', '更暗', '深', '深一点', '加深', '更深'], { kind: 'adjust', dim: 'brightness', dir: 'down' }],
  [['brightness', 'exposure', '亮度', '曝光', '曝光度'], { kind: 'adjust', dim: 'brightness' }],
  [['contrast', 'contrasty', '对比度', '对比', '反差'], { kind: 'adjust', dim: 'contrast' }],
  [['punchy', 'punchier', 'more pop'], { kind: 'adjust', dim: 'contrast', dir: 'up' }],
  [['saturation', 'saturated', '饱和度', '饱和', '色彩饱和度'], { kind: 'adjust', dim: 'saturation' }],
  [['vivid', 'vibrant', 'colorful', 'colourful', 'more color', 'more colour', 'more colors', 'more colours', 'richer colors', 'richer colours', '鲜艳', '艳丽', '浓郁', '鲜亮', '色彩更丰富'], { kind: 'adjust', dim: 'saturation', dir: 'up' }],
  [['desaturate', 'desaturated', 'muted', 'washed out', 'faded', 'less color', 'less colour', 'less colorful', 'less colourful', '褪色', '淡一点', '淡一些', '素一点'], { kind: 'adjust', dim: 'saturation', dir: 'down' }],
  [['more', 'increase', 'higher', 'boost', 'raise', 'stronger', 'add more', 'up', '提高', '增加', '增强', '加强', '加大', '调高', '高一点', '多一点', '升高'], { kind: 'modifier', dir: 'up' }],
  [['less', 'lower', 'reduce', 'decrease', 'weaker', 'down', 'tone down', '降低', '减少', '减弱', '调低', '低一点', '少一点', '降'], { kind: 'modifier', dir: 'down' }],
  [['much', 'a lot', 'lots', 'very', 'really', 'way', 'significantly', 'strongly', 'super', 'heavily', '很多', '大幅', '非常', '很', '特别', '超级', '强烈', '大大'], { kind: 'modifier', amount: 'strong' }],
  [['a bit', 'a little', 'a little bit', 'slightly', 'a touch', 'a tad', 'somewhat', 'little', 'bit', 'subtle', 'subtly', 'gently', 'lightly', '一点', '一点点', '一些', '稍微', '稍', '略', '略微', '微微', '有点', '些', '点', '加点', '一下下'], { kind: 'modifier', amount: 'slight' }],
  // Whole image, pronouns, people.
  [['photo', 'picture', 'image', 'pic', 'photograph', 'everything', 'whole', 'whole thing', 'entire', 'overall', 'all of it', 'the lot', 'shot', 'selfie'], { kind: 'whole' }],
  [['照片', '图片', '相片', '图', '整张', '整张图', '整张照片', '整体', '全图', '画面', '整个', '全部', '这张', '整幅', '全身照', '自拍'], { kind: 'whole' }],
  [['it', 'them', 'they', 'those', 'it all', '它', '它们', '这个', '那个'], { kind: 'it' }],
  [['me', 'myself', 'the person', 'the people', 'person', 'people', 'the subject', 'subject', 'him', 'himself', 'herself'], { kind: 'me' }],
  [['except', 'but', 'other than', 'apart from', 'besides', 'except for', '除了', '除'], { kind: 'except' }],
  // Questions and advice.
  [['what', 'how', 'which', 'why', 'suggest', 'suggestion', 'suggestions', 'advice', 'advise', 'recommend', 'recommendation', 'recommendations', 'ideas', 'idea', 'tips', 'should i', 'do you think', 'opinion', 'thoughts'], { kind: 'ask' }],
  [['怎么', '怎样', '如何', '什么', '哪些', '哪个', '哪里', '建议', '推荐', '意见', '吗', '呢', '好不好', '行不行', '怎么样', '为什么'], { kind: 'ask' }],
  [["don't", 'dont', 'do not', 'never', 'not', '别', '不要改', '不要换', '不要动', '别改', '别换', '别动', '不用', '不需要', '无需'], { kind: 'neg' }],
  [['keep', 'leave', 'stay', 'stays', 'unchanged', 'as is', 'untouched', '保持', '不变', '保持不变', '保持原样', '维持'], { kind: 'keep' }],
  [['too', 'overly', 'way too', '太', '过于', '太过', '有点太'], { kind: 'too' }],
  // Clause structure.
  [['then', 'and then', 'after that', 'afterwards', 'also', 'plus', 'additionally', 'as well as', 'next', '然后', '接着', '之后', '再把', '再将', '并且', '同时', '另外', '还有', '此外', '而且'], { kind: 'sep' }],
  [['and', '&', 'as well', '和', '与', '跟', '及', '以及', '并', '加上'], { kind: 'and' }],
  // Words that carry nothing for planning.
  [
    [
      'the', 'a', 'an', 'my', 'your', 'his', 'her', 'their', 'its', 'our', 'this', 'that', 'these', 'some', 'please', 'pls', 'plz',
      'can you', 'could you', 'would you', 'will you', 'can u', 'let', "let's", 'just', 'look', 'looks', 'looking', 'kind of', 'sort of',
      'one', 'ones', 'new', 'of', 'i', 'we', 'you', 'color', 'colour', 'colors', 'colours', 'tone', 'tones', 'effect', 'is', 'be', 'are', 'so',
      'on', 'in', 'at', 'onto', 'instead', 'all', 'both', 'too', 'again', 'now', 'for me', 'here', 'there',
    ],
    { kind: 'filler' },
  ],
  [
    [
      '的', '地', '得', '了', '把', '将', '让', '使', '给', '给我', '帮我', '帮忙', '请', '请把', '麻烦', '一下', '都', '也', '吧', '啊', '呀', '哦',
      '一个', '一件', '一条', '一双', '一顶', '一张', '一副', '个', '件', '条', '双', '顶', '副', '颜色', '色彩', '色调', '色', '效果', '我', '我的',
      '你', '能', '能不能', '可以', '可不可以', '想', '要', '在', '上', '下', '里', '中', '到', '是', '有', '这', '那', '所有', '全', '比较', '再来',
      '成熟', '因为', '包括', '部分', '区域', '再', '以外', '之外', '更',
    ],
    { kind: 'filler' },
  ],
];

export interface LexiconEntry {
  phrase: string;
  token: LexToken;
}

/** The built-in vocabulary (part names excluded: those come from config/labels.yaml). */
export function builtinLexicon(): LexiconEntry[] {
  const out: LexiconEntry[] = [];
  for (const [phrases, token] of [...ENTRIES, ...COLOURS, ...FACE, ...SCENES, ...GARMENTS, ...WORDS]) {
    for (const phrase of phrases) out.push({ phrase: phrase.toLowerCase(), token });
  }
  return out;
}
