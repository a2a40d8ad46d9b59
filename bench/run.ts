import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import type { Bench, Figure } from './harness.js';

/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones), prints a table and
 * writes bench-results.json. Figures are reported in notes, never asserted in tests.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const all: Figure[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: Bench };
  const bench = mod.default;
  process.stderr.write(`\n▶ ${bench.name}: ${bench.description}\n`);
  try {
    const figures = await bench.run();
    for (const f of figures) {
      process.stdout.write(
        `${f.bench.padEnd(14)} ${f.case.padEnd(36)} ${f.metric.padEnd(18)} ${String(f.value).padStart(10)} ${f.unit.padEnd(6)} ${f.goal ? `goal ${f.goal}` : ''}\n`,
      );
    }
    all.push(...figures);
  } catch (err) {
    process.stderr.write(`  failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  }
}
const out = path.resolve(here, '..', '..', 'bench-results.json');
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, figures: all }, null, 2),
);
process.stderr.write(`\nwrote ${out}\n`);
