import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startSdWebuiFake, type SdWebuiFake } from '../fakes/sdwebui.js';
import { BG, decodePng, png, syntheticScene } from './helpers.js';
import { matteSizes } from '../../src/pipeline/image/matte.js';
import { ensureBuilt } from '../helpers/build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'chat-image-editor.js');
let dir: string;
let sd: SdWebuiFake;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', ...env }, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'cie-edit-'));
  const { rgb, map } = syntheticScene(300, 200);
  writeFileSync(path.join(dir, 'photo.png'), await png({ data: rgb, width: 300, height: 200, channels: 3 }));
  writeFileSync(path.join(dir, 'rgb.bin'), rgb);
  writeFileSync(path.join(dir, 'map.png'), await sharp(Buffer.from(map.data), { raw: { width: 300, height: 200, channels: 1 } }).toColourspace('b-w').png().toBuffer());
  writeFileSync(path.join(dir, 'map.bin'), map.data);
  sd = await startSdWebuiFake();
}, 180_000);
afterAll(async () => {
  await sd.close();
  rmSync(dir, { recursive: true, force: true });
});

const blurBg = JSON.stringify([{ command: 'blur', paras: [['Background'], 60] }]);

describe('chat-image-editor edit (built binary)', () => {
  it('applies --commands with a --segmentation label map: JSON on stdout, kept pixels identical away from the matte band, original size', async () => {
    const r = await cli(['edit', 'photo.png', 'blur the background', '-o', 'out.png', '--commands', blurBg, '--segmentation', 'map.png', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { output: string; width: number; height: number; backend: string; applied: { command: string }[] };
    expect(summary).toMatchObject({ width: 300, height: 200, backend: 'local', format: 'png' });
    expect(summary.applied[0]!.command).toBe('blur');
    const out = await decodePng(readFileSync(path.join(dir, 'out.png')));
    expect([out.width, out.height]).toEqual([300, 200]);
    const rgb = readFileSync(path.join(dir, 'rgb.bin'));
    const map = readFileSync(path.join(dir, 'map.bin'));
    // Kept parts may change only in the soft band along their edge (the refined matte).
    const sizes = matteSizes(300, 200);
    const band = sizes.band + 2 * sizes.cell + 1;
    const nearBg = (x: number, y: number) => {
      for (let dy = -band; dy <= band; dy++) for (let dx = -band; dx <= band; dx++) {
        const xx = x + dx, yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < 300 && yy < 200 && map[yy * 300 + xx] === BG) return true;
      }
      return false;
    };
    let changed = 0, kept = 0;
    for (let i = 0; i < 300 * 200; i++) {
      const same = out.data[i * 3] === rgb[i * 3] && out.data[i * 3 + 1] === rgb[i * 3 + 1] && out.data[i * 3 + 2] === rgb[i * 3 + 2];
      if (map[i] !== BG) {
        if (nearBg(i % 300, Math.floor(i / 300))) continue;
        expect(same).toBe(true);
        kept++;
      } else if (!same) changed++;
    }
    expect(kept).toBeGreaterThan(5_000);
    expect(changed).toBeGreaterThan(10_000);
  });

  it('writes the format of the output extension and refuses an unknown one', async () => {
    const grey = ['--commands', '[{"command":"grayscale","paras":[["*"]]}]'];
    const [jpg, webp, gif] = await Promise.all(['out.jpg', 'out.webp', 'out.gif'].map((o) => cli(['edit', 'photo.png', 'x', '-o', o, ...grey])));
    expect(jpg.code).toBe(0);
    expect(jpg.stdout).toMatch(/out\.jpg/);
    expect((await sharp(readFileSync(path.join(dir, 'out.jpg'))).metadata()).format).toBe('jpeg');
    expect(webp.code).toBe(0);
    expect((await sharp(readFileSync(path.join(dir, 'out.webp'))).metadata()).format).toBe('webp');
    expect(gif.code).toBe(2);
    expect(gif.stderr).toMatch(/\.png, \.jpg, \.jpeg or \.webp/);
    expect(existsSync(path.join(dir, 'out.gif'))).toBe(false);
  });

  it('says clearly that the segmentation model is missing and writes nothing when no edit could run', async () => {
    const r = await cli(['edit', 'photo.png', 'x', '-o', 'nomodel.png', '--commands', blurBg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/parts model/i);
    expect(r.stderr).toMatch(/Fix: run `chat-image-editor models fetch`/);
    expect(existsSync(path.join(dir, 'nomodel.png'))).toBe(false);
  });

  it('runs a generative edit through SD WebUI and reports a missing input file as unreadable (exit 3)', async () => {
    const r = await cli(['edit', 'photo.png', 'x', '-o', 'sd.png', '--segmentation', 'map.png', '--json', '--commands', '[{"command":"change","paras":[["Upper-clothes"],"white shirt"]}]'], { SD_WEBUI_URL: sd.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).backend).toBe('sd-webui');
    const missing = await cli(['edit', 'nope.png', 'x', '-o', 'o.png', '--commands', blurBg]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.png/);
  });

  it('exits 0 when the instruction was read but holds no valid command, as the README says', async () => {
    const r = await cli(['edit', 'photo.png', 'asdf qwer', '-o', 'nothing.png', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ output: null, commands: [] });
    expect(r.stderr).toMatch(/No edit command/);
    expect(existsSync(path.join(dir, 'nothing.png'))).toBe(false);
  });

  it('plans with the offline interpreter when no LLM is configured', async () => {
    const r = await cli(['edit', 'photo.png', 'blur the background', '-o', 'offline.png', '--segmentation', 'map.png', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { applied: { command: string; paras: unknown[] }[] };
    expect(summary.applied[0]).toMatchObject({ command: 'blur' });
    expect(summary.applied[0]!.paras[0]).toEqual(['Background']);
  });
});

describe('chat-image-editor doctor (built binary)', () => {
  it('reports what is configured and exits 0 when nothing configured is down', async () => {
    const r = await cli(['doctor', '--json'], { SD_WEBUI_URL: sd.url });
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; state: string; detail: string }[] };
    const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(by['sd-webui']!.state).toBe('ok');
    expect(by['openai']!.state).toBe('off');
    expect(by['openai']!.detail).toMatch(/OPENAI_API_KEY/);
    expect(by['slack']!.state).toBe('off');
    expect(by['slack']!.detail).toMatch(/SLACK_BOT_TOKEN/);
    expect(by['data-dir']!.state).toBe('ok');
    expect(report.ok).toBe(true);
    expect(r.code).toBe(0);
  });

  it('never says everything works while part edits or generated edits are unavailable', async () => {
    const fresh = await cli(['doctor']);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).not.toMatch(/Everything/);
    expect(fresh.stdout).toMatch(/Not everything works yet: edits of single parts, generated edits unavailable/);
    // The parts line says what the chat, the status panel and the CLI say, with one fix (never SEGMENTER_URL).
    expect(fresh.stdout).toMatch(/not downloaded yet.*Fix: run `chat-image-editor models fetch`\./);
    expect(fresh.stdout).not.toMatch(/SEGMENTER_URL/);
    const json = JSON.parse((await cli(['doctor', '--json'], { SD_WEBUI_URL: sd.url })).stdout) as { unavailable: { feature: string; fix?: string }[] };
    expect(json.unavailable.map((u) => u.feature)).toEqual(['parts']);
    const missing = await cli(['doctor'], { SEGMENT_MODEL_PATH: path.join(dir, 'missing.onnx') });
    expect(missing.stdout).toMatch(/SEGMENT_MODEL_PATH points at .*missing\.onnx, which does not exist.*Fix: point SEGMENT_MODEL_PATH at the model file\./);
    expect(missing.code).toBe(1);
  });

  it('exits 1 and names the fix when a configured service is down', async () => {
    const r = await cli(['doctor'], { SD_WEBUI_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sd-webui.*SD_WEBUI_URL/);
  });
});
