import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { CommandLanguage } from '../src/pipeline/commands/index.js';
import { median, round, timeIt, type Bench, type Figure } from './harness.js';

/**
 * Extraction time on growing adversarial replies. Linear time shows as a flat ms/MB column
 * from 10 KB to 10 MB for every shape.
 */
const SIZES = [10_000, 100_000, 1_000_000, 10_000_000];

function fill(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

const SHAPES: Record<string, (size: number) => string> = {
  'open brackets': (n) => fill('[', n),
  'balanced deep brackets': (n) => fill('[', n / 2) + fill(']', n / 2),
  'alternating braces': (n) => fill('[{', n),
  'unclosed string': (n) => '[{"command": "change", "paras": [["Background"], "' + fill('a', n),
  'quote flood in a list': (n) => '[' + fill('"', n),
  'repeated valid commands': (n) => '[' + fill('{"command":"face","paras":["smile"]},', n) + ']',
  'repeated broken objects': (n) => fill('{"a": x} ', n),
  'prose with stray brackets': (n) => fill("see [note it's {here ", n),
  'comments without newline': (n) => fill('[// ', n),
  'full-width and Chinese prose': (n) => fill('好的，［｛“command”：“face”，“paras”：［“微笑”］｝］说明：', n),
};

const bench: Bench = {
  name: 'commands',
  description: 'command extraction (extract + validate + merge) on adversarial replies of 10 KB to 10 MB',
  async run(): Promise<Figure[]> {
    // Compiled to .bench-dist/bench/: the shipped config is two folders up.
    const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');
    const lang = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'], configDir }));
    const figures: Figure[] = [];
    for (const [shape, make] of Object.entries(SHAPES)) {
      for (const size of SIZES) {
        const text = make(size);
        const big = size >= 1_000_000;
        const times = await timeIt(() => lang.parse(text), big ? 1 : size >= 100_000 ? 3 : 7, big ? 0 : 1);
        const ms = median(times);
        const mb = text.length / 1_000_000;
        const label = `${shape} ${size >= 1_000_000 ? `${size / 1_000_000} MB` : `${size / 1000} KB`}`;
        figures.push({ bench: 'commands', case: label, metric: 'parse median', value: round(ms, 2), unit: 'ms' });
        figures.push({ bench: 'commands', case: label, metric: 'per MB', value: round(ms / mb, 1), unit: 'ms/MB', goal: 'flat (linear)' });
      }
    }
    return figures;
  },
};

export default bench;
