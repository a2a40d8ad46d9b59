import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { UserFacingError } from '../../util/errors.js';

/** sha256 of a file, streamed (a 110 MB model never sits in memory twice). */
export async function sha256File(file: string, start = 0): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { start, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checks a managed model file against the card's sha256 once: the result is remembered in a
 * `<file>.verified` note keyed by size and mtime, so later starts skip the 110 MB read.
 */
export async function verifyModelFile(model: string, file: string, expected: string, opts: { force?: boolean } = {}): Promise<string> {
  const st = await stat(file);
  const stamp = `${st.size}:${Math.round(st.mtimeMs)}:${expected}`;
  const note = `${file}.verified`;
  if (!opts.force) {
    const seen = await readFile(note, 'utf8').catch(() => '');
    if (seen.trim() === stamp) return expected;
  }
  const actual = await sha256File(file);
  if (actual !== expected) throw new UserFacingError('segment.model_bad_hash', { model, file, actual, expected });
  await writeFile(note, stamp).catch(() => undefined);
  return actual;
}
