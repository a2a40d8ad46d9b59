import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The compiled `worker.js` beside the calling module (`moduleUrl` = its `import.meta.url`). Built,
 * it sits next to the module in dist/; when the module runs from src/ (vitest), its twin in dist/
 * is used (`npm run build` first): workers run compiled JavaScript.
 */
export function compiledWorker(moduleUrl: string): URL {
  const beside = new URL('./worker.js', moduleUrl);
  const file = fileURLToPath(beside);
  if (existsSync(file)) return beside;
  return pathToFileURL(path.join(ROOT, 'dist', path.relative(path.join(ROOT, 'src'), file)));
}
