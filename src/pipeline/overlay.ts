import sharp from 'sharp';
import type { Locale } from '../i18n/index.js';
import { t } from '../i18n/index.js';
import type { LabelsConfig } from '../config/schemas/labels.js';
import { DEFAULT_LIMITS, inspectImage, uprightPipeline, type ImageLimits } from '../core/image-io.js';
import { labelFractions } from './labelmap.js';
import type { LabelMap } from '../core/types.js';

/** Distinct colours (Kelly's / Glasbey-style), label index → RGB; background stays untinted. */
const PALETTE: [number, number, number][] = [
  [0, 0, 0], [255, 179, 0], [128, 62, 117], [255, 104, 0], [166, 189, 215], [193, 0, 32], [206, 162, 98],
  [0, 125, 52], [246, 118, 142], [0, 83, 138], [255, 122, 92], [83, 55, 122], [255, 142, 0], [179, 40, 81],
  [244, 200, 0], [127, 24, 13], [147, 170, 0], [89, 51, 21], [241, 58, 19], [35, 44, 22],
];

export function labelColour(index: number): [number, number, number] {
  if (index < PALETTE.length) return PALETTE[index]!;
  // Golden-angle hues for long label lists.
  const h = (index * 137.508) % 360;
  const c = 200;
  const x = Math.round(c * (1 - Math.abs(((h / 60) % 2) - 1)));
  const seg = Math.floor(h / 60);
  const rgb: [number, number, number][] = [[c, x, 0], [x, c, 0], [0, c, x], [0, x, c], [x, 0, c], [c, 0, x]];
  return rgb[seg]!;
}

function displayName(label: string, locale: Locale, labels: Pick<LabelsConfig, 'display'> | undefined): string {
  return labels?.display[label]?.[locale] ?? label;
}

export interface OverlayOptions {
  locale?: Locale;
  maxSide?: number;
  limits?: ImageLimits;
  /** config/labels.yaml: localised part names for the legend (without it the legend shows label names). */
  labels?: Pick<LabelsConfig, 'display'>;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * The photo with each found part tinted in its own colour and a legend of localised part names
 * with their share of the photo, so users see what the bot found. JPEG, at most `maxSide` pixels
 * on the photo's longer side (legend added to the right).
 */
export async function renderOverlay(
  image: Buffer,
  map: LabelMap,
  opts: OverlayOptions = {},
): Promise<Buffer> {
  const locale = opts.locale ?? 'en';
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const maxSide = opts.maxSide ?? 1024;
  await inspectImage(image, limits);
  const { data: rgb, info } = await uprightPipeline(image, limits)
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  const ch = info.channels;
  const out = Buffer.alloc(w * h * 3);
  const xs = new Int32Array(w);
  for (let x = 0; x < w; x++) xs[x] = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / w));
  for (let y = 0; y < h; y++) {
    const my = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / h)) * map.width;
    for (let x = 0; x < w; x++) {
      const label = map.data[my + xs[x]!]!;
      const s = (y * w + x) * ch;
      const o = (y * w + x) * 3;
      if (label === 0) {
        out[o] = rgb[s]! * 0.6;
        out[o + 1] = rgb[s + 1]! * 0.6;
        out[o + 2] = rgb[s + 2]! * 0.6;
      } else {
        const c = labelColour(label);
        out[o] = rgb[s]! * 0.45 + c[0] * 0.55;
        out[o + 1] = rgb[s + 1]! * 0.45 + c[1] * 0.55;
        out[o + 2] = rgb[s + 2]! * 0.45 + c[2] * 0.55;
      }
    }
  }
  const fractions = labelFractions(map);
  const rowH = Math.max(18, Math.round(Math.max(w, h) / 40));
  const font = Math.round(rowH * 0.7);
  const legendW = Math.round(rowH * 11);
  const legendH = Math.max(h, rowH * (fractions.length + 2));
  const rows = fractions
    .map((f, i) => {
      const idx = map.labels.indexOf(f.name);
      const [r, g, b] = idx === 0 ? [90, 90, 90] : labelColour(idx);
      const y = rowH * (i + 1.5);
      const pct = f.fraction >= 0.001 ? `${(f.fraction * 100).toFixed(1)}%` : '<0.1%';
      return (
        `<rect x="${rowH * 0.4}" y="${y}" width="${rowH * 0.8}" height="${rowH * 0.8}" fill="rgb(${r},${g},${b})" stroke="#fff"/>` +
        `<text x="${rowH * 1.5}" y="${y + rowH * 0.68}" font-size="${font}" font-family="sans-serif" fill="#fff">${escapeXml(`${displayName(f.name, locale, opts.labels)} ${pct}`)}</text>`
      );
    })
    .join('');
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${legendW}" height="${legendH}">` +
      `<rect width="100%" height="100%" fill="#202020"/>` +
      `<text x="${rowH * 0.4}" y="${rowH * 0.95}" font-size="${font}" font-weight="bold" font-family="sans-serif" fill="#fff">${escapeXml(t(locale, 'segment.overlay_legend'))}</text>` +
      rows +
      `</svg>`,
  );
  return sharp(out, { raw: { width: w, height: h, channels: 3 } })
    .extend({ right: legendW, bottom: legendH - h, background: '#202020' })
    .composite([{ input: svg, left: w, top: 0 }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** renderOverlay bound to the configuration (the engine's OverlayRenderer): callers pass only locale and size. */
export function createOverlayRenderer(config: { labels: Pick<LabelsConfig, 'display'>; limits?: ImageLimits }): (image: Buffer, map: LabelMap, opts?: { locale?: Locale; maxSide?: number }) => Promise<Buffer> {
  return (image, map, opts = {}) => renderOverlay(image, map, { ...opts, labels: config.labels, limits: config.limits });
}
