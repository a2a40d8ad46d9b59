import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeLabelMap, decodeLabelMap } from '../../src/core/labelmap-png.js';
import { tinySegformer } from './fixtures/onnx.js';
import { tricolourJpeg } from './fixtures/images.js';
import { ATR, ROOT, ensureBuilt, mapFromRows, tempDir } from './helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'chat-image-editor.js'), ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', LANG: 'en', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
let mapFile: string;
const ROWS = ['0000000000', '0002220000', '000bbb0000', '0044444000', '0044444000', '0006660000'];

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir('cie-cli-');
  mapFile = path.join(dir, 'map.png');
  writeFileSync(mapFile, await encodeLabelMap(mapFromRows(ROWS)));
}, 180_000);

async function maskRows(file: string): Promise<string[]> {
  const { data, info } = await sharp(readFileSync(file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const rows: string[] = [];
  for (let y = 0; y < info.height; y++) rows.push([...data.subarray(y * info.width, (y + 1) * info.width)].map((v) => (v === 255 ? '#' : v === 0 ? '.' : '?')).join(''));
  return rows;
}

describe('chat-image-editor mask', () => {
  it('writes the binary mask and prints JSON on stdout only', async () => {
    const out = path.join(dir, 'mask.png');
    const r = await cli(['mask', '--segmentation', mapFile, '--labels', 'face,Upper-clothes', '-o', out, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ output: out, width: 10, height: 6, labels: ['Face', 'Upper-clothes'], optimized: true, bbox: { left: 2, top: 1, width: 5, height: 4 } });
    // 10 px wide → strength round(10/80) = 1 px: the hair bordering the face joins the edit region.
    expect(await maskRows(out)).toEqual(['..........', '...###....', '...###....', '..#####...', '..#####...', '..........']);
  });

  it('--no-optimize leaves bordering parts alone; --points adds the clicked segment', async () => {
    const out = path.join(dir, 'mask2.png');
    const r = await cli(['mask', '--segmentation', mapFile, '--labels', 'Face', '--points', '4,5', '--no-optimize', '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ optimized: false, points: [{ x: 4, y: 5 }] });
    expect(await maskRows(out)).toEqual(['..........', '..........', '...###....', '..........', '..........', '...###....']);
  });

  it('understands label synonyms in English and Chinese through the command language', async () => {
    const out = path.join(dir, 'mask-syn.png');
    const r = await cli(['mask', '--segmentation', mapFile, '--labels', 'shirt,头发', '--no-optimize', '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { labels: string[] }).labels.sort()).toEqual(['Hair', 'Upper-clothes']);
  });

  it('["*"] masks the whole image', async () => {
    const out = path.join(dir, 'mask3.png');
    expect((await cli(['mask', '--segmentation', mapFile, '--labels', '*', '-o', out])).code).toBe(0);
    expect((await maskRows(out)).join('')).toBe('#'.repeat(60));
  });

  it('refuses label maps with values outside the label list (exit 3) and unknown labels (exit 2)', async () => {
    const bad = path.join(dir, 'bad.png');
    writeFileSync(bad, await sharp(Buffer.from([0, 1, 30, 2]), { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('b-w').png().toBuffer());
    const r = await cli(['mask', '--segmentation', bad, '--labels', 'Hair', '-o', path.join(dir, 'x.png')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/value 30.*only 18 labels/);
    expect(r.stdout).toBe('');
    const u = await cli(['mask', '--segmentation', mapFile, '--labels', 'Wings', '-o', path.join(dir, 'x.png')]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/no part called "Wings"/);
    const m = await cli(['mask', '--segmentation', path.join(dir, 'nope.png'), '--labels', 'Hair', '-o', path.join(dir, 'x.png')]);
    expect(m.code).toBe(3);
    const p = await cli(['mask', '--segmentation', mapFile, '--labels', 'Hair', '--points', '99,1', '-o', path.join(dir, 'x.png')]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/x,y;x,y/);
  });
});

describe('chat-image-editor segment', () => {
  it('segments a photo with the local model and writes the label map and overlay', async () => {
    const model = path.join(dir, 'tiny.onnx');
    writeFileSync(model, tinySegformer());
    const photo = path.join(dir, 'photo.jpg');
    writeFileSync(photo, await tricolourJpeg(64, 48));
    const lm = path.join(dir, 'photo-map.png');
    const ov = path.join(dir, 'photo-overlay.png');
    const r = await cli(['segment', photo, '--json', '--labelmap', lm, '--overlay', ov], { SEGMENT_MODEL_PATH: model });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { labels } = JSON.parse(r.stdout) as { labels: { name: string; fraction: number }[] };
    // Red top half → Upper-clothes; green/blue quarters → Hair/Background (JPEG edges may add a sliver of Face).
    expect(labels[0]!.name).toBe('Upper-clothes');
    expect(labels.slice(1, 3).map((l) => l.name).sort()).toEqual(['Background', 'Hair']);
    expect(labels[0]!.fraction).toBeCloseTo(0.5, 1);
    const map = await decodeLabelMap(readFileSync(lm), ATR);
    expect([map.width, map.height]).toEqual([64, 48]);
    const meta = await sharp(readFileSync(ov)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width!).toBeGreaterThan(64); // photo plus legend
  });

  it('explains a missing model (exit 1) and an unreadable photo (exit 3)', async () => {
    const photo = path.join(dir, 'photo2.jpg');
    writeFileSync(photo, await tricolourJpeg(16, 16));
    const r = await cli(['segment', photo, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not downloaded yet.*Fix: run `chat-image-editor models fetch`/);
    const txt = path.join(dir, 'notes.txt');
    writeFileSync(txt, 'hello');
    const n = await cli(['segment', txt], { SEGMENT_MODEL_PATH: path.join(dir, 'tiny.onnx') });
    expect(n.code).toBe(3);
    expect(n.stderr).toMatch(/not an image/);
  });
});

describe('chat-image-editor models', () => {
  it('lists cards, verifies a pinned download and explains offline fetches', async () => {
    const list = await cli(['models', 'list', '--json']);
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as { active: string; models: { name: string; installed: boolean }[] };
    expect(parsed.active).toBe('segformer_b2_clothes');
    expect(parsed.models.map((m) => m.name)).toContain('mediapipe_selfie_multiclass');

    const missing = await cli(['models', 'verify']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not downloaded yet/);

    const tiny = tinySegformer();
    const sha = createHash('sha256').update(tiny).digest('hex');
    mkdirSync(path.join(dir, 'data', 'models'), { recursive: true });
    writeFileSync(path.join(dir, 'data', 'models', 'tiny.onnx'), tiny);
    const cfg = path.join(dir, 'models.yaml');
    writeFileSync(cfg, `models:\n  default: tiny\n  cards:\n    tiny:\n      file: tiny.onnx\n      url: http://127.0.0.1:9/tiny.onnx\n      sha256: ${sha}\n      input: { name: pixel_values, width: 64, height: 64, layout: NCHW }\n      output: { name: logits }\n      labels: [${ATR.join(', ')}]\n    gone:\n      file: gone.onnx\n      url: http://127.0.0.1:9/gone.onnx\n      input: { name: pixel_values, width: 64, height: 64, layout: NCHW }\n      output: { name: logits }\n      labels: [a, b]\n`);
    const ok = await cli(['models', 'verify', '--json'], { CONFIG_FILE: cfg });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ model: 'tiny', ok: true, sha256: sha, pinned: true });

    const offline = await cli(['models', 'fetch', 'gone'], { CONFIG_FILE: cfg });
    expect(offline.code).toBe(1);
    expect(offline.stdout).toBe('');
    expect(offline.stderr).toMatch(/gone could not be downloaded: 127\.0\.0\.1:9 is unreachable .*Fix: make 127\.0\.0\.1:9 reachable/);

    const unknown = await cli(['models', 'fetch', 'nope']);
    expect(unknown.code).toBe(2);
  });
});
