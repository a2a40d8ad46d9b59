import { clampChroma, colorsNamed, formatHex } from 'culori';

/**
 * Colour words → "#rrggbb". English names are the 148 CSS colour keywords from culori; on top of
 * them a small table of fashion and hair colours, each from a named reference (Wikipedia's colour
 * articles, the Chinese traditional colour 藏青) or, for hair, from the hairdressers' level
 * scale (level 1 black … 10 lightest blonde) written as CIE LCh and converted by culori. Chinese
 * words map to those names. Keys are normalised like labels (lower case, no spaces, hyphens or
 * underscores), so "light blue" = "light-blue" = "LightBlue".
 */

/** CIE LCh (D50, as culori's "lch") → hex, chroma reduced into sRGB if needed. */
function lch(l: number, c: number, h: number): string {
  return formatHex(clampChroma({ mode: 'lch', l, c, h }, 'lch'));
}

/**
 * Hair by level: L* rises about 8 per level from ~15 (level 1); blondes are golden (hue ~78°,
 * chroma ~28), ash shades nearly neutral, strawberry and auburn redder. "Blonde" alone is a
 * medium blonde (level 7).
 */
const HAIR: Record<string, string> = {
  blonde: lch(60, 28, 78),
  blond: lch(60, 28, 78),
  mediumblonde: lch(60, 28, 78),
  lightblonde: lch(70, 26, 82),
  darkblonde: lch(50, 22, 75),
  goldenblonde: lch(62, 34, 80),
  honeyblonde: lch(58, 36, 70),
  ashblonde: lch(62, 10, 85),
  platinumblonde: lch(84, 8, 90),
  platinum: lch(84, 8, 90),
  strawberryblonde: lch(58, 32, 55),
  auburn: lch(35, 35, 45),
  chestnut: lch(32, 25, 55),
  lightbrown: lch(41, 18, 65),
  mediumbrown: lch(33, 15, 60),
  darkbrown: lch(22, 12, 55),
  milktea: lch(62, 18, 70),
};

/** Fashion colours CSS lacks (hex from the Wikipedia article of that colour name, unless noted). */
const FASHION: Record<string, string> = {
  wine: '#722f37',
  winered: '#722f37',
  burgundy: '#800020',
  camel: '#c19a6b',
  champagne: '#f7e7ce',
  rosegold: '#b76e79',
  charcoal: '#36454f',
  armygreen: '#4b5320',
  mint: '#3eb489',
  denim: '#1560bd',
  rust: '#b7410e',
  brickred: '#cb4154',
  cream: '#fffdd0',
  apricot: '#fbceb1',
  coffee: '#6f4e37',
  kleinblue: '#002fa7',
  internationalkleinblue: '#002fa7',
  offwhite: '#faf9f6',
  // Chinese traditional colour 藏青 (a dark, greyed navy, not CSS's pure #000080).
  zangqing: '#2e4e7e',
  // "brown" as people use it for clothes and hair: CSS saddlebrown (CSS "brown" is a brick red).
  brown: '#8b4513',
  // "khaki" for trousers: Wikipedia's khaki (CSS khaki is a pale yellow).
  khaki: '#c3b091',
};

/** Chinese colour words → a key of the tables above or a CSS keyword. */
const CHINESE: Record<string, string> = {
  红: 'red', 红色: 'red', 大红: 'red', 大红色: 'red', 正红: 'red', 正红色: 'red',
  深红: 'darkred', 深红色: 'darkred', 暗红: 'darkred', 暗红色: 'darkred',
  酒红: 'wine', 酒红色: 'wine', 勃艮第红: 'burgundy', 勃艮第: 'burgundy', 枣红: 'burgundy', 枣红色: 'burgundy',
  砖红: 'brickred', 砖红色: 'brickred', 铁锈红: 'rust', 锈红: 'rust',
  橙: 'orange', 橙色: 'orange', 橘色: 'orange', 橘黄色: 'orange', 橘红: 'orangered', 橘红色: 'orangered',
  黄: 'yellow', 黄色: 'yellow', 柠檬黄: 'lemonchiffon',
  金: 'gold', 金色: 'gold', 金黄: 'gold',
  金发: 'blonde', 金黄色: 'blonde', 浅金色: 'lightblonde', 浅金: 'lightblonde', 深金色: 'darkblonde', 蜂蜜色: 'honeyblonde', 蜂蜜金: 'honeyblonde',
  亚麻色: 'ashblonde', 亚麻金: 'ashblonde', 铂金色: 'platinumblonde', 铂金: 'platinumblonde', 白金色: 'platinumblonde', 草莓金: 'strawberryblonde',
  奶茶色: 'milktea', 栗色: 'chestnut', 栗棕色: 'chestnut', 红棕色: 'auburn', 深棕: 'darkbrown', 深棕色: 'darkbrown', 浅棕: 'lightbrown', 浅棕色: 'lightbrown',
  绿: 'green', 绿色: 'green', 浅绿: 'lightgreen', 浅绿色: 'lightgreen', 深绿: 'darkgreen', 深绿色: 'darkgreen', 墨绿: 'darkgreen', 墨绿色: 'darkgreen',
  橄榄绿: 'olive', 橄榄色: 'olive', 军绿: 'armygreen', 军绿色: 'armygreen', 薄荷绿: 'mint', 薄荷色: 'mint',
  青: 'cyan', 青色: 'cyan', 青绿色: 'teal', 绿松石色: 'turquoise',
  蓝: 'blue', 蓝色: 'blue', 浅蓝: 'lightblue', 浅蓝色: 'lightblue', 天蓝: 'skyblue', 天蓝色: 'skyblue', 深蓝: 'darkblue', 深蓝色: 'darkblue',
  藏青: 'zangqing', 藏青色: 'zangqing', 藏蓝: 'zangqing', 藏蓝色: 'zangqing', 海军蓝: 'navy', 宝蓝: 'royalblue', 宝蓝色: 'royalblue',
  克莱因蓝: 'kleinblue', 牛仔蓝: 'denim', 湖蓝: 'deepskyblue', 湖蓝色: 'deepskyblue',
  紫: 'purple', 紫色: 'purple', 浅紫: 'plum', 浅紫色: 'plum', 薰衣草紫: 'lavender', 薰衣草色: 'lavender',
  粉: 'pink', 粉色: 'pink', 粉红: 'pink', 粉红色: 'pink', 玫红: 'deeppink', 玫红色: 'deeppink', 桃红: 'hotpink', 桃红色: 'hotpink',
  品红: 'magenta', 洋红: 'magenta', 玫瑰金: 'rosegold',
  棕: 'brown', 棕色: 'brown', 褐色: 'brown', 咖啡色: 'coffee', 咖色: 'coffee', 巧克力色: 'chocolate', 驼色: 'camel', 卡其: 'khaki', 卡其色: 'khaki',
  米色: 'beige', 米白: 'beige', 米白色: 'beige', 米黄: 'wheat', 米黄色: 'wheat', 杏色: 'apricot', 香槟色: 'champagne', 香槟: 'champagne',
  奶油色: 'cream', 奶白: 'cream', 奶白色: 'cream', 象牙白: 'ivory', 象牙色: 'ivory',
  黑: 'black', 黑色: 'black', 白: 'white', 白色: 'white', 纯白: 'white', 纯白色: 'white',
  灰: 'gray', 灰色: 'gray', 浅灰: 'lightgray', 浅灰色: 'lightgray', 深灰: 'darkgray', 深灰色: 'darkgray', 炭灰: 'charcoal', 炭灰色: 'charcoal',
  银: 'silver', 银色: 'silver', 银灰: 'silver', 银灰色: 'silver',
  珊瑚色: 'coral', 珊瑚红: 'coral',
};

const CSS: Record<string, string> = {};
for (const [name, value] of Object.entries(colorsNamed as Record<string, number>)) CSS[name] = `#${value.toString(16).padStart(6, '0')}`;
// CSS's own grey spellings; "dark gray" as people use it is darker than CSS darkgray (#a9a9a9).
CSS.darkgray = CSS.darkgrey = '#404040';

const NAMED: Record<string, string> = { ...CSS, ...FASHION, ...HAIR };

function normalizeColorWord(word: string): string {
  return word.normalize('NFKC').trim().toLowerCase().replace(/[\s_\-]+/g, '');
}

function lookup(key: string): string | undefined {
  const own = (o: Record<string, string>, k: string) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
  const direct = own(NAMED, key);
  if (direct) return direct;
  const zh = own(CHINESE, key);
  if (zh) return own(NAMED, zh);
  // "dark red colour", "红色的": drop a trailing "color/colour" or "的".
  const trimmed = key.replace(/(colou?r|的)$/, '');
  return trimmed !== key && trimmed ? lookup(trimmed) : undefined;
}

/** "#RGB", "#RRGGBB", "RRGGBB", "rgb(r, g, b)" or a known name → "#rrggbb"; anything else → undefined. */
export function normalizeColor(input: string): string | undefined {
  const s = input.normalize('NFKC').trim().toLowerCase();
  let m = /^#?([0-9a-f]{6})$/.exec(s);
  if (m) return `#${m[1]}`;
  m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(s);
  if (m) return `#${m[1]}${m[1]}${m[2]}${m[2]}${m[3]}${m[3]}`;
  m = /^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$/.exec(s);
  if (m) {
    const parts = [m[1], m[2], m[3]].map(Number);
    if (parts.every((p) => p <= 255)) return `#${parts.map((p) => p.toString(16).padStart(2, '0')).join('')}`;
    return undefined;
  }
  return lookup(normalizeColorWord(s));
}

/** The colour names understood (English and Chinese), for documentation and prompts. */
export function colorNames(): string[] {
  return [...Object.keys(NAMED), ...Object.keys(CHINESE)];
}
