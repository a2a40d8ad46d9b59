import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_LABELS } from '../../src/pipeline/commands/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';

interface Case {
  text: string;
  labels?: string[];
  expect: { command: string; labels?: string[] }[];
}

const language = testLanguage();
const planner = new OfflineInterpreter({ language, vocabulary: testVocabulary() });

/** The parts chosen: one sorted label set per command that takes labels, as a sorted list. */
function partsKey(commands: { command: string; labels?: string[] }[]): string {
  return commands
    .filter((c) => c.labels)
    .map((c) => [...c.labels!].sort().join('+'))
    .sort()
    .join(' | ');
}

function commandsKey(commands: { command: string; labels?: string[] }[]): string {
  return commands
    .map((c) => `${c.command}:${[...(c.labels ?? [])].sort().join('+')}`)
    .sort()
    .join(' | ');
}

async function agreement(file: string) {
  const cases = (JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { cases: Case[] }).cases;
  let parts = 0;
  let full = 0;
  const misses: string[] = [];
  for (const c of cases) {
    const r = await planner.plan({ instruction: c.text, labels: c.labels ?? DEFAULT_MODEL_LABELS });
    const got = r.commands.map((cmd) => ({
      command: cmd.command,
      labels: Array.isArray(cmd.args.labels) ? (cmd.args.labels as string[]) : undefined,
    }));
    if (partsKey(got) === partsKey(c.expect)) parts++;
    else misses.push(`${c.text} → ${partsKey(got) || '(none)'} (expected ${partsKey(c.expect) || '(none)'})`);
    if (commandsKey(got) === commandsKey(c.expect)) full++;
  }
  return { n: cases.length, parts: parts / cases.length, full: full / cases.length, misses };
}

describe('offline interpreter agreement on held-out instructions (EN + ZH)', () => {
  for (const file of ['./heldout.json', './heldout-2.json', './heldout-3.json']) {
    it(`${file}: ≥ 90% exact agreement on the parts chosen`, async () => {
      const r = await agreement(file);
      // The figure goes to the report; the misses help whoever extends the lexicon.
      console.log(`${file}: ${r.n} instructions, parts ${(r.parts * 100).toFixed(1)}%, command+parts ${(r.full * 100).toFixed(1)}%`);
      if (r.misses.length) console.log(`misses:\n  ${r.misses.join('\n  ')}`);
      expect(r.n).toBeGreaterThanOrEqual(60);
      expect(r.parts).toBeGreaterThanOrEqual(0.9);
    });
  }
});
