import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../helpers/build.js';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

describe('the package', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  it('does not depend on itself (a published package could not install)', () => {
    expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).not.toContain(pkg.name);
  });

  it('runs its own bin through npx after npm ci, without a self-dependency', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'chat-image-editor', '--help'], { cwd: ROOT, env: { ...process.env, npm_config_offline: 'true' } });
    expect(stdout).toMatch(/Usage: chat-image-editor/);
  }, 60_000);
});
