import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'chat-image-editor.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'cie-plan-'));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Only PATH and HOME (plus an empty data dir): no LLM, no model, like a fresh install.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    execFile(process.execPath, [bin, ...args], { env, cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('chat-image-editor plan (built binary)', () => {
  it('--offline --json prints exactly {"commands","rejected"} on stdout', async () => {
    const r = await cli(['plan', 'change the background to a beach', '--offline', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ commands: [{ command: 'change', paras: [['Background'], 'beach'] }], rejected: [] });
  });

  it('Chinese instruction, merged and sorted', async () => {
    const r = await cli(['plan', '将背景更换为阳光下的沙滩，将上衣更换为红色的裙子', '--offline', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { commands: { command: string; paras: unknown[] }[] };
    expect(out.commands).toHaveLength(1);
    expect(out.commands[0]!.paras[0]).toEqual(['Background', 'Upper-clothes']);
  });

  it('--labels limits the parts; a missing part is rejected with a reason and the exit code stays 0', async () => {
    const r = await cli(['plan', 'make my shirt red', '--labels', 'Background,Face', '--offline', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { commands: unknown[]; rejected: { item: unknown; reason: string }[] };
    expect(out.commands).toEqual([]);
    expect(out.rejected[0]!.reason).toMatch(/Upper-clothes/);
  });

  it('an instruction with nothing to do is still an answer (exit 0, clarifying question on stderr)', async () => {
    const r = await cli(['plan', 'hello there', '--offline', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ commands: [], rejected: [] });
    expect(r.stderr).toMatch(/change the background/);
  });

  it('without an LLM configured, plan uses the offline interpreter even without --offline', async () => {
    const r = await cli(['plan', 'blur the background', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).commands[0].command).toBe('blur');
  });

  it('--image without the segmentation model: says so on stderr and allows every label', async () => {
    const img = path.join(dataDir, 'photo.png');
    writeFileSync(img, await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } }).png().toBuffer());
    const r = await cli(['plan', 'blur the background', '--image', img, '--offline', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr.length).toBeGreaterThan(0);
    expect(JSON.parse(r.stdout).commands[0].command).toBe('blur');
  });

  it('--image that cannot be read: exit 3', async () => {
    const r = await cli(['plan', 'blur the background', '--image', path.join(dataDir, 'nope.png'), '--offline', '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
  });
});
