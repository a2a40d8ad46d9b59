import { t, type Locale, type MessageKey } from '../i18n/index.js';
import type { ProfileSummary } from './metrics.js';

/** The series of the chart, in bar order; colours are distinguishable in grey print too. */
const SERIES: { key: keyof Pick<ProfileSummary, 'validity' | 'firstTryValidity' | 'typeAgreement' | 'labelAgreement'>; label: MessageKey; color: string }[] = [
  { key: 'validity', label: 'eval.col_validity', color: '#1f4e79' },
  { key: 'firstTryValidity', label: 'eval.col_first_try', color: '#5b9bd5' },
  { key: 'typeAgreement', label: 'eval.col_type_agreement', color: '#c55a11' },
  { key: 'labelAgreement', label: 'eval.col_label_agreement', color: '#f4b183' },
];

/** Rough rendered width of 12px text: wide CJK glyphs, narrower Latin ones. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u2e80-\uffff]/.test(ch) ? 13 : 7.5;
  return w;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A grouped bar chart (one group per profile: validity, first-try validity, type and label
 * agreement), like the thesis' figure 4-8. Hand-written SVG: no chart library needed for four
 * series of bars, and the file stays readable and diffable.
 */
export function renderChartSvg(profiles: readonly ProfileSummary[], locale: Locale): string {
  const bar = 22;
  const gap = 4;
  const groupGap = 36;
  const groupWidth = SERIES.length * bar + (SERIES.length - 1) * gap;
  const left = 56;
  const top = 64;
  const plotH = 260;
  const bottom = 70;
  const legend = SERIES.map((s) => 28 + textWidth(t(locale, s.label)));
  const legendWidth = legend.reduce((a, b) => a + b, 0);
  const width = Math.ceil(Math.max(480, left + legendWidth + 20, left + profiles.length * (groupWidth + groupGap) + groupGap));
  const height = top + plotH + bottom;
  const y = (v: number) => top + plotH - v * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, 'Noto Sans CJK SC', sans-serif" font-size="12">`,
    `<title>${escapeXml(t(locale, 'eval.chart_title'))}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(t(locale, 'eval.chart_title'))}</text>`,
  );
  // Legend.
  let lx = left;
  SERIES.forEach((s, i) => {
    const label = escapeXml(t(locale, s.label));
    out.push(`<rect x="${lx}" y="36" width="12" height="12" fill="${s.color}"/>`, `<text x="${lx + 16}" y="46">${label}</text>`);
    lx += legend[i]!;
  });
  // Axis and grid lines every 20%.
  for (let v = 0; v <= 100; v += 20) {
    const yy = y(v / 100);
    out.push(
      `<line x1="${left}" y1="${yy}" x2="${width - 10}" y2="${yy}" stroke="${v === 0 ? '#000000' : '#dddddd'}" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${yy + 4}" text-anchor="end">${v}%</text>`,
    );
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#000000" stroke-width="1"/>`);
  profiles.forEach((p, gi) => {
    const gx = left + groupGap + gi * (groupWidth + groupGap);
    SERIES.forEach((s, si) => {
      const value = p[s.key];
      const x = gx + si * (bar + gap);
      if (value === null) {
        out.push(`<text x="${x + bar / 2}" y="${y(0) - 4}" text-anchor="middle" font-size="9" fill="#888888">n/a</text>`);
        return;
      }
      const h = value * plotH;
      out.push(
        `<rect class="bar" data-series="${s.key}" data-profile="${escapeXml(p.profile)}" x="${x}" y="${y(value)}" width="${bar}" height="${h}" fill="${s.color}"><title>${escapeXml(`${p.profile}: ${t(locale, s.label)} ${(value * 100).toFixed(1)}%`)}</title></rect>`,
        `<text x="${x + bar / 2}" y="${y(value) - 4}" text-anchor="middle" font-size="9">${Math.round(value * 100)}</text>`,
      );
    });
    out.push(`<text x="${gx + groupWidth / 2}" y="${y(0) + 18}" text-anchor="middle">${escapeXml(p.profile)}</text>`);
    out.push(`<text x="${gx + groupWidth / 2}" y="${y(0) + 34}" text-anchor="middle" font-size="10" fill="#555555">n=${p.items}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The chart as PNG (sharp renders the SVG through librsvg); undefined when this sharp build cannot. */
export async function renderChartPng(svg: string): Promise<Buffer | undefined> {
  try {
    const { default: sharp } = await import('sharp');
    return await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  } catch {
    return undefined;
  }
}
