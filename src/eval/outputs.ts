import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locale } from '../i18n/index.js';
import { renderChartPng, renderChartSvg } from './chart.js';
import { markdownReport } from './report.js';
import type { EvalReport } from './run.js';

/** Writes results.json, results.md, chart.svg (and chart.png when sharp can render SVG); returns the paths. */
export async function writeEvalOutputs(dir: string, report: EvalReport & { set: string }, locale: Locale): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, data: string | Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    files.push(file);
  };
  await write('results.json', `${JSON.stringify(report, null, 2)}\n`);
  await write('results.md', markdownReport(report.profiles, locale, { set: report.set, items: report.items }));
  const svg = renderChartSvg(report.profiles, locale);
  await write('chart.svg', svg);
  const png = await renderChartPng(svg);
  if (png) await write('chart.png', png);
  return files;
}
