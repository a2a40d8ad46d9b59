import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'chat-image-editor.js');

beforeAll(ensureBuilt, 180_000);

function cli(args: string[], input?: string | Buffer, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: os.tmpdir(),
    input,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const messy =
  '好的！这是指令：\n```json\n［｛“command”：“change”，“paras”：［［“上衣”］，“white T-shirt”］｝，\n' +
  "{'command': 'face', 'params': ['smile',],}, // nice\n" +
  '{"command": "change", "paras": [["背景"], "beach"]}, {"command": "zoom"}, {"command": "blur", "paras": [["Background"], "4';

describe('chat-image-editor parse (built CLI)', () => {
  it('turns a messy reply on stdin into JSON commands and rejections', () => {
    const r = cli(['parse', '-', '--json'], messy);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { commands: unknown[]; rejected: { item: unknown; reason: string }[] };
    expect(out.commands).toEqual([
      { command: 'change', paras: [['Upper-clothes', 'Background'], 'white T-shirt, beach'] },
      { command: 'face', paras: ['smile'] },
    ]);
    expect(out.rejected.map((x) => x.reason)).toEqual([
      'The reply was cut off here; this incomplete command was dropped.',
      expect.stringMatching(/^"zoom" is not a known command/),
    ]);
    for (const x of out.rejected) expect(Object.keys(x).sort()).toEqual(['item', 'reason']);
  });

  it('reads stdin when no file is given and honours --labels', () => {
    const r = cli(['parse', '--json', '--labels', 'background,hair'], '[{"command":"change","paras":[["shirt","bg"],"x"]}]');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.commands).toEqual([{ command: 'change', paras: [['Background'], 'x'] }]);
    expect(out.rejected[0].reason).toBe('"shirt" is not a part of this photo; available: Background, Hair.');
  });

  it('reads a file and prints a readable listing without --json', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-parse-'));
    const file = path.join(dir, 'reply.txt');
    writeFileSync(file, '[{"command":"grayscale","paras":[["*"]]}]');
    const r = cli(['parse', file], undefined, { LANG: 'en_US.UTF-8' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Commands (1):');
    expect(r.stdout).toContain('grayscale ["*"]');
  });

  it('exits 3 for a missing file or bytes that are not UTF-8, with a sentence on stderr in the user language', () => {
    const missing = cli(['parse', path.join(os.tmpdir(), 'no-such-reply.txt'), '--json']);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/does not exist/);
    const binary = cli(['parse', '-'], Buffer.from([0xff, 0xfe, 0x00, 0xc3]), { LANG: 'zh_CN.UTF-8' });
    expect(binary.code).toBe(3);
    expect(binary.stderr).toMatch(/不是 UTF-8 文本/);
  });

  it('exits 2 for a usage error', () => {
    expect(cli(['parse', 'a', 'b']).code).toBe(2);
  });

  it('exits 0 with empty commands and a reason for a megabyte of brackets', () => {
    const r = cli(['parse', '-', '--json'], '['.repeat(1_000_000));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.commands).toEqual([]);
    expect(out.rejected[0].reason).toMatch(/nested deeper/);
  });
});
