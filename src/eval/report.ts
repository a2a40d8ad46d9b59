import { t, type Locale } from '../i18n/index.js';
import type { ProfileSummary } from './metrics.js';

export function percent(x: number | null): string {
  return x === null ? '–' : `${(x * 100).toFixed(1)}%`;
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The per-profile table in Markdown (what `eval` prints without --json and writes to results.md). */
export function markdownTable(profiles: readonly ProfileSummary[], locale: Locale): string {
  const head = [
    'eval.col_profile',
    'eval.col_items',
    'eval.col_validity',
    'eval.col_first_try',
    'eval.col_type_agreement',
    'eval.col_label_agreement',
    'eval.col_repair',
    'eval.col_errors',
    'eval.col_p50',
    'eval.col_p95',
    'eval.col_tokens',
    'eval.col_cost',
  ] as const;
  const rows = profiles.map((p) => [
    cell(p.profile === p.planner || p.planner.startsWith(`${p.profile}:`) ? p.planner : `${p.profile} (${p.planner})`),
    String(p.items),
    percent(p.validity),
    percent(p.firstTryValidity),
    p.referenced ? `${percent(p.typeAgreement)} (${p.referenced})` : '–',
    p.referenced ? percent(p.labelAgreement) : '–',
    percent(p.repairRate),
    percent(p.errorRate),
    ms(p.latencyMs.p50),
    ms(p.latencyMs.p95),
    p.usage ? `${p.usage.promptTokens} + ${p.usage.completionTokens}` : '–',
    p.cost === null ? '–' : p.cost.toFixed(4),
  ]);
  const lines = [
    `| ${head.map((k) => t(locale, k)).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** results.md: the table plus what the figures mean. */
export function markdownReport(profiles: readonly ProfileSummary[], locale: Locale, meta: { set: string; items: number }): string {
  return [
    `# ${t(locale, 'eval.report_title')}`,
    '',
    t(locale, 'eval.report_meta', { set: meta.set, items: meta.items }),
    '',
    markdownTable(profiles, locale),
    t(locale, 'eval.report_definitions'),
    '',
    '![chart](chart.svg)',
    '',
  ].join('\n');
}
