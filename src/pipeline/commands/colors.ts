/**
 * Colour words models and people use, English and Chinese, to "#rrggbb". Keys are normalised
 * like labels (lower case, no spaces, hyphens or underscores), so "light blue" = "light-blue".
 */
const NAMED: Record<string, string> = {
  red: '#ff0000', 红: '#ff0000', 红色: '#ff0000', 大红: '#e60012', 大红色: '#e60012',
  darkred: '#8b0000', 深红: '#8b0000', 深红色: '#8b0000', burgundy: '#800020', winered: '#722f37', 酒红: '#722f37', 酒红色: '#722f37',
  orange: '#ffa500', 橙: '#ffa500', 橙色: '#ffa500', 橘色: '#ffa500', 橘黄色: '#ffa500',
  yellow: '#ffff00', 黄: '#ffff00', 黄色: '#ffff00',
  gold: '#ffd700', golden: '#ffd700', 金: '#ffd700', 金色: '#ffd700',
  green: '#008000', 绿: '#008000', 绿色: '#008000',
  lightgreen: '#90ee90', 浅绿: '#90ee90', 浅绿色: '#90ee90',
  darkgreen: '#006400', 深绿: '#006400', 深绿色: '#006400', 墨绿: '#006400', 墨绿色: '#006400',
  olive: '#808000', 橄榄绿: '#808000', 橄榄色: '#808000',
  lime: '#00ff00',
  teal: '#008080', 青绿色: '#008080',
  cyan: '#00ffff', 青: '#00ffff', 青色: '#00ffff',
  blue: '#0000ff', 蓝: '#0000ff', 蓝色: '#0000ff',
  lightblue: '#add8e6', 浅蓝: '#add8e6', 浅蓝色: '#add8e6',
  skyblue: '#87ceeb', 天蓝: '#87ceeb', 天蓝色: '#87ceeb',
  darkblue: '#00008b', 深蓝: '#00008b', 深蓝色: '#00008b',
  navy: '#000080', navyblue: '#000080', 藏青: '#000080', 藏青色: '#000080', 海军蓝: '#000080',
  purple: '#800080', 紫: '#800080', 紫色: '#800080',
  violet: '#ee82ee', lavender: '#e6e6fa', 薰衣草紫: '#e6e6fa',
  pink: '#ffc0cb', 粉: '#ffc0cb', 粉色: '#ffc0cb', 粉红: '#ffc0cb', 粉红色: '#ffc0cb',
  hotpink: '#ff69b4', magenta: '#ff00ff', 品红: '#ff00ff', 洋红: '#ff00ff',
  brown: '#8b4513', 棕: '#8b4513', 棕色: '#8b4513', 褐色: '#8b4513', 咖啡色: '#6f4e37',
  beige: '#f5f5dc', 米色: '#f5f5dc', 米白色: '#f5f5dc', khaki: '#c3b091', 卡其: '#c3b091', 卡其色: '#c3b091',
  tan: '#d2b48c', blond: '#e6c878', blonde: '#e6c878', 金黄色: '#e6c878', 亚麻色: '#e6c878',
  black: '#000000', 黑: '#000000', 黑色: '#000000',
  white: '#ffffff', 白: '#ffffff', 白色: '#ffffff',
  gray: '#808080', grey: '#808080', 灰: '#808080', 灰色: '#808080',
  lightgray: '#d3d3d3', lightgrey: '#d3d3d3', 浅灰: '#d3d3d3', 浅灰色: '#d3d3d3',
  darkgray: '#404040', darkgrey: '#404040', 深灰: '#404040', 深灰色: '#404040',
  silver: '#c0c0c0', 银: '#c0c0c0', 银色: '#c0c0c0',
  coral: '#ff7f50', 珊瑚色: '#ff7f50', salmon: '#fa8072',
  turquoise: '#40e0d0', 绿松石色: '#40e0d0',
  cream: '#fffdd0', 奶油色: '#fffdd0', ivory: '#fffff0', 象牙白: '#fffff0',
};

function normalizeColorWord(word: string): string {
  return word.normalize('NFKC').trim().toLowerCase().replace(/[\s_\-]+/g, '');
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
  const key = normalizeColorWord(s);
  return Object.prototype.hasOwnProperty.call(NAMED, key) ? NAMED[key] : undefined;
}

/** The colour names understood, for documentation and prompts. */
export function colorNames(): string[] {
  return Object.keys(NAMED);
}
