#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('chat-image-editor is not built yet: run `npm run build` (npm ci does it for you).\n');
  process.exit(70);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
