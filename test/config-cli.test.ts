import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from './helpers/build.js';

beforeAll(ensureBuilt, 180_000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-config-cli-'));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const CASES: { name: string; configFile: () => string; key: RegExp; extra?: RegExp }[] = [
  { name: 'a misspelt section', configFile: () => file('section.yaml', 'imagez:\n  maxPixels: 1000\n'), key: /"imagez"/, extra: /did you mean "images"\?/ },
  { name: 'a misspelt key', configFile: () => file('key.yaml', 'images:\n  maxPixelz: 1000\n'), key: /"images\.maxPixelz"/, extra: /did you mean "maxPixels"\?/ },
  {
    name: 'a YAML alias bomb',
    configFile: () =>
      file(
        'bomb.yaml',
        ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', ''].join('\n'),
      ),
    key: /"\(root\)"/,
    extra: /valid YAML: .*alias/i,
  },
  { name: 'a directory', configFile: () => mkdtempSync(path.join(dir, 'folder-')), key: /"\(root\)"/, extra: /directory/ },
  { name: 'a scalar section', configFile: () => file('scalar.yaml', 'images: 5\n'), key: /"images":/, extra: /expected object/ },
];

/** Runs the built CLI with nothing but PATH, HOME and the given variables; kills it after `timeoutMs`. */
function cli(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a bad configuration file stops the CLI with its name and key', () => {
  for (const c of CASES) {
    it(`plan: ${c.name}`, async () => {
      const configFile = c.configFile();
      const r = await cli(['plan', 'make the shirt red', '--offline', '--json'], { CONFIG_FILE: configFile });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(configFile);
      expect(r.stderr).toMatch(c.key);
      if (c.extra) expect(r.stderr).toMatch(c.extra);
    });
  }

  for (const c of CASES) {
    it(`serve: ${c.name}, before listening`, async () => {
      const configFile = c.configFile();
      const r = await cli(['serve'], { CONFIG_FILE: configFile, PORT: '0' });
      // A server that started would run until killed (code null): it must exit by itself.
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/playground: http/);
      expect(r.stderr).toContain(configFile);
      expect(r.stderr).toMatch(c.key);
      if (c.extra) expect(r.stderr).toMatch(c.extra);
    });
  }

  it('--config names the file the same way', async () => {
    const configFile = file('flag.yaml', 'images:\n  maxPixelz: 1000\n');
    const r = await cli(['plan', 'make the shirt red', '--offline', '--config', configFile], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(configFile);
    expect(r.stderr).toMatch(/"images\.maxPixelz"/);
  });
});
