import sharp from 'sharp';
import type { Locale } from '../i18n/index.js';
import { t } from '../i18n/index.js';
import type { LabelsConfig } from '../config/schemas/labels.js';
import { DEFAULT_LIMITS, inspectImage, uprightPipeline, type ImageLimits } from '../core/image-io.js';
import { countLabelsOffThread, labelFractions, shareLabelMap } from './labelmap.js';
import { labelColour, tint } from './image/kernels/labels.js';
import { pixelPool } from './image/pool.js';
import { sharedAsync, sharedBytes } from './image/shared.js';
import type { LabelMap } from '../core/types.js';

export { labelColour } from './image/kernels/labels.js';

/** The parts tint, in the pixel pool for big label maps (the photo side is at most `maxSide`). */
async function tinted(rgb: Uint8Array, w: number, h: number, ch: number, map: LabelMap): Promise<Uint8Array> {
  if (map.data.length < 1 << 20) return tint(rgb, w, h, ch, map);
  const [rgbShared, mapShared] = await Promise.all([sharedAsync(rgb), shareLabelMap(map)]);
  const out = sharedBytes(w * h * 3);
  await pixelPool().run({ kind: 'labels.tint', rgb: rgbShared, width: w, height: h, channels: ch, map: mapShared, mapWidth: map.width, mapHeight: map.height, out: out.buffer as SharedArrayBuffer });
  return out;
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
  // Per-pixel loops run in the pixel worker pool: a 49 MP label map must not hold the event loop.
  const [out] = await Promise.all([tinted(rgb, w, h, info.channels, map), countLabelsOffThread(map)]);
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
