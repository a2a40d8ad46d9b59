import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { InpaintBackend, InpaintModel, fromOutput, toInputs, workingSize, type InpaintCard } from '../../src/providers/inpaint/index.js';
import { loadConfig } from '../../src/config/load.js';
import { UserFacingError } from '../../src/util/errors.js';
import { L_BAG, portraitScene } from '../helpers/scenes.js';
import { tinyLama, tinyMiganPipeline } from '../helpers/inpaint-onnx.js';
import { envWith, execConfig, png } from './helpers.js';
import { dump } from './pixel-metrics.js';

const cfg = execConfig();
const cards = loadConfig({ sections: ['models'] }).models.inpaint.cards;
const W = 900, H = 675;
const scene = portraitScene(W, H);
let dir: string;
let server: Server;
let base: string;
const migan = tinyMiganPipeline();
const lama = tinyLama();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cie-erase-'));
  writeFileSync(path.join(dir, 'migan.onnx'), migan);
  writeFileSync(path.join(dir, 'lama.onnx'), lama);
  server = createServer((req, res) => {
    if (req.url === '/migan.onnx') {
      res.writeHead(200, { 'content-length': migan.length, 'content-type': 'application/octet-stream' });
      res.end(migan);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function card(name: 'migan_512_places2' | 'lama_fp32', patch: Partial<InpaintCard>): InpaintCard {
  return { ...cards[name]!, sha256: null, size: null, url: null, ...patch };
}

function executorWith(model: InpaintModel | null) {
  return createExecutor({ env: envWith({ DATA_DIR: dir }), config: cfg, imageBackends: [], inpaint: model ? new InpaintBackend(model) : null });
}

/** Bag pixels grown by the erase template's dilation (Chebyshev), the only pixels that may change. */
function dilatedBag(r: number): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (scene.map.data[y * W + x] !== L_BAG) continue;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
        const xx = x + dx, yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < W && yy < H) out[yy * W + xx] = 1;
      }
    }
  }
  return out;
}

async function eraseBag(model: InpaintModel, fill: [number, number, number], name: string) {
  const executor = executorWith(model);
  expect(executor.canRun('erase')).toBe(true);
  const r = await executor.execute({ image: await png({ data: scene.rgb, width: W, height: H, channels: 3 }), labelMap: scene.map, commands: [{ command: 'erase', args: { labels: ['Bag'] } }] });
  expect(r.skipped).toEqual([]);
  expect(r.backend).toBe('inpaint-model');
  expect([r.image.width, r.image.height, r.image.channels]).toEqual([W, H, 3]);
  await dump(name, r.image.data, W, H, 3);
  const template = cfg.templates.templates.erase!;
  const allowed = dilatedBag(Math.max(1, Math.round(template.dilate * Math.max(W, H))));
  let changed = 0, filled = 0, bag = 0;
  for (let i = 0; i < W * H; i++) {
    const p = i * 3;
    const diff = r.image.data[p] !== scene.rgb[p] || r.image.data[p + 1] !== scene.rgb[p + 1] || r.image.data[p + 2] !== scene.rgb[p + 2];
    if (diff) {
      changed++;
      if (!allowed[i]) throw new Error(`pixel ${i % W},${Math.floor(i / W)} outside the dilated mask changed`);
    }
    if (scene.map.data[i] === L_BAG) {
      bag++;
      if (Math.abs(r.image.data[p]! - fill[0]) <= 3 && Math.abs(r.image.data[p + 1]! - fill[1]) <= 3 && Math.abs(r.image.data[p + 2]! - fill[2]) <= 3) filled++;
    }
  }
  expect(changed).toBeGreaterThan(bag * 0.9);
  expect(filled / bag).toBeGreaterThan(0.85);
}

describe('erase with the embedded inpainting model (tiny ONNX fixtures with the real I/O)', () => {
  it('MI-GAN pipeline card (uint8, 255 = known, any size): fills the bag, changes nothing outside the dilated mask, full resolution', async () => {
    const model = new InpaintModel({ name: 'migan-fixture', card: card('migan_512_places2', { path: path.join(dir, 'migan.onnx') }), env: { dataDir: dir }, threads: 1 });
    try {
      await eraseBag(model, [60, 180, 75], 'erase-migan-fixture');
    } finally {
      await model.close();
    }
  });

  it('LaMa card (float32 0..1, 1 = hole, fixed 512×512, output 0..255): the same contract', async () => {
    const model = new InpaintModel({ name: 'lama-fixture', card: card('lama_fp32', { path: path.join(dir, 'lama.onnx') }), env: { dataDir: dir }, threads: 1 });
    try {
      await eraseBag(model, [200, 40, 160], 'erase-lama-fixture');
    } finally {
      await model.close();
    }
  });

  it('downloads the model on first use (sha256-checked) into DATA_DIR/models, then erases', async () => {
    const dataDir = mkdtempSync(path.join(dir, 'data-'));
    const sha256 = createHash('sha256').update(migan).digest('hex');
    const good = card('migan_512_places2', { file: 'fixture-migan.onnx', url: `${base}/migan.onnx`, sha256, size: migan.length });
    const model = new InpaintModel({ name: 'migan-download', card: good, env: { dataDir }, threads: 1 });
    try {
      expect(model.present()).toBe(false);
      expect(model.available()).toBe(true);
      const executor = createExecutor({ env: envWith({ DATA_DIR: dataDir }), config: cfg, imageBackends: [], inpaint: new InpaintBackend(model) });
      const r = await executor.execute({ image: await png({ data: scene.rgb, width: W, height: H, channels: 3 }), labelMap: scene.map, commands: [{ command: 'erase', args: { labels: ['Bag'] } }] });
      expect(r.applied).toHaveLength(1);
      expect(existsSync(path.join(dataDir, 'models', 'fixture-migan.onnx'))).toBe(true);
    } finally {
      await model.close();
    }
    // A file whose hash does not match the card is refused, and erase is not offered for a while.
    const bad = new InpaintModel({ name: 'migan-bad', card: { ...good, file: 'bad.onnx', sha256: '0'.repeat(64) }, env: { dataDir }, threads: 1 });
    const executor = createExecutor({ env: envWith({ DATA_DIR: dataDir }), config: cfg, imageBackends: [], inpaint: new InpaintBackend(bad) });
    const err = await executor.execute({ image: await png({ data: scene.rgb, width: W, height: H, channels: 3 }), labelMap: scene.map, commands: [{ command: 'erase', args: { labels: ['Bag'] } }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).key).toBe('inpaint.download_failed');
    expect(executor.canRun('erase')).toBe(false);
    await bad.close();
  });

  it('a card that does not match its model says which input is missing', async () => {
    writeFileSync(path.join(dir, 'renamed.onnx'), tinyMiganPipeline({ imageName: 'pixels' }));
    const model = new InpaintModel({ name: 'renamed', card: card('migan_512_places2', { path: path.join(dir, 'renamed.onnx') }), env: { dataDir: dir }, threads: 1 });
    try {
      const err = await model.run(new Uint8Array(64 * 64 * 3), new Uint8Array(64 * 64), 64, 64).catch((e: unknown) => e);
      expect((err as UserFacingError).key).toBe('inpaint.bad_io');
      expect((err as UserFacingError).params).toMatchObject({ kind: 'input', name: 'image', actual: expect.stringContaining('pixels') });
    } finally {
      await model.close();
    }
  });

  it('erase is not offered when neither a generator nor the model is available; local edits always are', () => {
    const none = executorWith(null);
    expect(none.canRun('erase')).toBe(false);
    expect(none.canRun('change')).toBe(false);
    expect(none.canRun('background')).toBe(true);
    expect(none.canRun('recolor')).toBe(true);
    expect(none.canRun('advice')).toBe(true);
    expect(none.canRun('no_such_command')).toBe(false);
    const missing = new InpaintModel({ name: 'missing', card: card('migan_512_places2', { path: path.join(dir, 'nope.onnx') }), env: { dataDir: dir } });
    expect(executorWith(missing).canRun('erase')).toBe(false);
  });
});

describe('inpainting tensors follow the card', () => {
  const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60]);
  const mask = Uint8Array.from([255, 0]);
  it('MI-GAN: uint8 NCHW image as is, mask 0 where to fill and 255 where known', () => {
    const t = toInputs(cards.migan_512_places2!, rgb, mask, 2, 1);
    expect([...t.image]).toEqual([10, 40, 20, 50, 30, 60]);
    expect([...t.mask]).toEqual([0, 255]);
    expect(t.imageDims).toEqual([1, 3, 1, 2]);
    expect(t.maskDims).toEqual([1, 1, 1, 2]);
    expect(workingSize(cards.migan_512_places2!, 1200, 600)).toEqual({ width: 512, height: 256 });
  });
  it('LaMa: float32 in 0..1, mask 1 where to fill; output 0..255 back to bytes; fixed 512×512', () => {
    const t = toInputs(cards.lama_fp32!, rgb, mask, 2, 1);
    expect(t.image).toBeInstanceOf(Float32Array);
    expect(t.image[0]).toBeCloseTo(10 / 255, 6);
    expect([...t.mask]).toEqual([1, 0]);
    expect([...fromOutput(cards.lama_fp32!, Float32Array.from([10.2, 39.6, 20, 50, 30, 300]), [1, 3, 1, 2], 2, 1)]).toEqual([10, 20, 30, 40, 50, 255]);
    expect(() => fromOutput(cards.lama_fp32!, new Float32Array(6), [1, 3, 2, 1], 2, 1)).toThrow(/output shape/);
    expect(workingSize(cards.lama_fp32!, 1200, 600)).toEqual({ width: 512, height: 512 });
  });
});
