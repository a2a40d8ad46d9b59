import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LabelMap } from '../../src/core/types.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const ATR = [
  'Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt', 'Left-shoe',
  'Right-shoe', 'Face', 'Left-leg', 'Right-leg', 'Left-arm', 'Right-arm', 'Bag', 'Scarf',
];

export { ensureBuilt } from '../helpers/build.js';

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
