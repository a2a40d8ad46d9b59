import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'chat-image-editor.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than src/ (npm test builds first; this covers runs of
 * single files). The CLI tests and the segmentation worker run from dist/.
 */
export async function ensureBuilt(): Promise<void> {
  const stamp = path.join(ROOT, 'dist', '.tsbuildinfo');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  try {
    // Asynchronous, so the vitest worker keeps answering while tsc runs.
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
  } catch (err) {
    // tsc still emits JavaScript when some file has a type error; `npm test` type-checks separately.
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw err;
  }
}
