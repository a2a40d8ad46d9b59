import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LabelMap } from '../../src/pipeline/types.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const ATR = [
  'Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt', 'Left-shoe',
  'Right-shoe', 'Face', 'Left-leg', 'Right-leg', 'Left-arm', 'Right-arm', 'Bag', 'Scarf',
];

/** The inference worker and the CLI run from dist/: build when a source file is newer. */
export async function ensureBuilt(): Promise<void> {
  const marker = path.join(ROOT, 'dist', 'providers', 'segment', 'worker.js');
  const cli = path.join(ROOT, 'dist', 'cli', 'commands', 'mask.js');
  // Only this area's sources: others' edits elsewhere must not trigger a rebuild.
  const files = [
    ...['src/providers/segment', 'src/pipeline/mask'].flatMap((d) => readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f))),
    'src/pipeline/labelmap.ts',
    'src/pipeline/overlay.ts',
    'src/cli/commands/segment.ts',
    'src/cli/commands/mask.ts',
    'src/cli/commands/models.ts',
  ];
  const newest = files.map((f) => statSync(path.join(ROOT, f)).mtimeMs).reduce((a, b) => Math.max(a, b), 0);
  const built = [marker, cli].every((f) => existsSync(f) && statSync(f).mtimeMs >= newest);
  if (!built) {
    try {
      // Asynchronous, so vitest's worker keeps answering while tsc runs.
      await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    } catch {
      // Type errors elsewhere in the tree still emit JavaScript; the files checked above are what matter.
    }
  }
}

export function tempDir(prefix = 'cie-seg-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A label map from rows of label indices, e.g. ["0011", "0221"]. Digits and a..h (10..17). */
export function mapFromRows(rows: string[], labels: readonly string[] = ATR): LabelMap {
  const height = rows.length;
  const width = rows[0]!.length;
  const data = new Uint8Array(width * height);
  rows.forEach((row, y) => [...row].forEach((ch, x) => (data[y * width + x] = parseInt(ch, 36))));
  return { width, height, data, labels };
}

/** A mask as rows of "#" (edit) and "." (keep), for readable expectations. */
export function maskRows(mask: { width: number; height: number; data: Uint8Array }): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.height; y++) {
    let s = '';
    for (let x = 0; x < mask.width; x++) s += mask.data[y * mask.width + x] ? '#' : '.';
    rows.push(s);
  }
  return rows;
}
