import { readEnv } from '../../config/env.js';
import { t } from '../../i18n/index.js';
import type { HealthStatus } from '../../core/health.js';
import { doctorSummary, runDoctor } from '../../doctor.js';
import { EXIT } from '../exit.js';
import { cliLocale } from '../report.js';

export { runDoctor, type DoctorLine } from '../../doctor.js';

const MARK: Record<HealthStatus['state'], string> = { ok: '✔', degraded: '!', down: '✘', off: '·' };

/**
 * `doctor [--json]`: exit 0 when nothing configured is down, 1 otherwise. The last line says
 * "everything works" only when nothing is unavailable either (a model still downloading, no generator).
 */
export async function run(_args: string[], options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  const env = readEnv();
  const report = await runDoctor(env, locale);
  const { lines, down, unavailable } = report;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: down === 0, down, unavailable, checks: lines })}\n`);
  } else {
    const width = Math.max(...lines.map((l) => l.name.length));
    const word = (l: (typeof lines)[number]) => l.status ?? t(locale, `doctor.${l.state}`);
    const words = Math.max(14, ...lines.map((l) => word(l).length));
    const out = [`${t(locale, 'doctor.title')}:`];
    for (const l of lines) {
      const latency = l.latencyMs !== undefined && l.state !== 'off' ? ` (${l.latencyMs} ms)` : '';
      const detail = l.state === 'off' ? l.detail.replace(/^not configured:\s*/, '') : l.detail;
      out.push(`  ${MARK[l.state]} ${l.name.padEnd(width)}  ${word(l).padEnd(words)} ${detail}${latency}`);
    }
    out.push(doctorSummary(report, locale));
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return down === 0 ? EXIT.ok : EXIT.failure;
}
