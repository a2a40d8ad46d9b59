import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { ClassifierCardSchema, SafetySchema, type ClassifierCard } from '../../src/config/schemas/safety.js';
import { ClassifierUnavailableError, NsfwClassifier } from '../../src/providers/nsfw/index.js';
import { createContentGate, resolvePolicy } from '../../src/pipeline/safety/index.js';
import { startFakeServer, type FakeServer } from '../fakes/http.js';
import { ensureBuilt, tempDir } from '../segment/helpers.js';
import { tinyNsfwClassifier } from './fixtures/nsfw-onnx.js';

const { safety } = loadConfig({ sections: ['safety'] });
const MODEL = tinyNsfwClassifier();
const SHA = createHash('sha256').update(MODEL).digest('hex');
const shipped = safety.nsfw.cards.vit_base_nsfw_int8!;

let server: FakeServer;
let red: Buffer;
let blue: Buffer;
const open: NsfwClassifier[] = [];

beforeAll(async () => {
  await ensureBuilt();
  server = await startFakeServer((req, res) => {
    if (req.path !== '/nsfw.onnx') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(MODEL.length) });
    res.end(MODEL);
  });
  red = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#e01010' } }).jpeg().toBuffer();
  blue = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#1020e0' } }).png().toBuffer();
}, 120_000);
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** The shipped card's I/O and preprocessing, pointed at the fixture. */
function card(extra: Partial<ClassifierCard> = {}): ClassifierCard {
  return ClassifierCardSchema.parse({ ...shipped, file: 'tiny-nsfw.onnx', url: `${server.url}/nsfw.onnx`, sha256: SHA, size: MODEL.length, ...extra });
}

function classifier(dataDir: string, c = card(), download: 'on-first-use' | 'manual' = 'on-first-use'): NsfwClassifier {
  const k = new NsfwClassifier({ name: 'tiny', card: c, env: { dataDir }, threads: 1, download });
  open.push(k);
  return k;
}

describe('local NSFW classifier (ONNX model card, fixture graph)', () => {
  it('the shipped card describes a ViT classifier with sfw/nsfw labels', () => {
    expect(shipped.input).toMatchObject({ name: 'pixel_values', width: 384, height: 384, layout: 'NCHW' });
    expect(shipped.labels).toEqual(['sfw', 'nsfw']);
    expect(shipped.unsafe).toEqual(['nsfw']);
    expect(safety.nsfw.model).toBeNull();
  });

  it('downloads on first use with the segmentation downloader (sha256-checked), then scores photos on a worker', async () => {
    const dataDir = tempDir('cie-nsfw-');
    const k = classifier(dataDir);
    expect(await k.health()).toMatchObject({ state: 'degraded' });
    const hot = await k.classify(red);
    expect(hot.unsafe).toBeGreaterThan(0.95);
    expect(hot.probabilities.sfw! + hot.probabilities.nsfw!).toBeCloseTo(1, 5);
    const cold = await k.classify(blue);
    expect(cold.unsafe).toBeLessThan(0.05);
    expect(existsSync(path.join(dataDir, 'models', 'tiny-nsfw.onnx'))).toBe(true);
    expect(server.requests.filter((r) => r.path === '/nsfw.onnx')).toHaveLength(1);
    expect(await k.health()).toMatchObject({ state: 'ok' });
  });

  it('refuses a download whose sha256 differs from the card, and tries again later', async () => {
    const k = classifier(tempDir('cie-nsfw-'), card({ sha256: 'a'.repeat(64) }));
    const err = await k.classify(red).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClassifierUnavailableError);
    expect((err as ClassifierUnavailableError).reason).toBe('download');
  });

  it('download: manual never fetches; a missing file is "unavailable"', async () => {
    const k = classifier(tempDir('cie-nsfw-'), card(), 'manual');
    await expect(k.classify(red)).rejects.toMatchObject({ reason: 'missing' });
    expect(await k.health()).toMatchObject({ state: 'down' });
  });

  it('a model without the input the card names is reported, not guessed', async () => {
    const dataDir = tempDir('cie-nsfw-');
    const file = path.join(dataDir, 'other.onnx');
    writeFileSync(file, tinyNsfwClassifier({ inputName: 'images' }));
    const k = classifier(dataDir, card({ path: file, sha256: null }));
    await expect(k.classify(red)).rejects.toMatchObject({ reason: 'io' });
  });

  it('in the content gate without a moderation key: refuses above the level threshold, fails closed when unavailable', async () => {
    const dataDir = tempDir('cie-nsfw-');
    const cfg = SafetySchema.parse({ ...safety, nsfw: { ...safety.nsfw, model: 'tiny', cards: { tiny: card() } } });
    const { gate, classifier: k, close } = createContentGate(readEnv({ DATA_DIR: dataDir }), cfg, undefined, {});
    expect(gate.imageChecker).toBe('classifier');
    const standard = resolvePolicy(cfg, { platform: 'web', workspace: '' });
    expect(await gate.checkImage(red, standard)).toEqual({ allowed: false, reason: 'flagged', category: 'sexual', source: 'classifier' });
    expect(await gate.checkImage(blue, standard)).toEqual({ allowed: true, checkedBy: 'classifier' });
    // a grey photo scores 0.5: allowed at standard (0.85), refused at strict (0.5)
    const grey = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    expect((await gate.checkImage(grey, standard)).allowed).toBe(true);
    expect((await gate.checkImage(grey, resolvePolicy({ ...cfg, level: 'strict' }, { platform: 'web', workspace: '' }))).allowed).toBe(false);
    expect(k).toBeDefined();
    await close();

    const broken = SafetySchema.parse({ ...safety, nsfw: { ...safety.nsfw, model: 'tiny', download: 'manual', cards: { tiny: card() } } });
    const down = createContentGate(readEnv({ DATA_DIR: tempDir('cie-nsfw-') }), broken, undefined, {});
    expect(await down.gate.checkImage(blue, standard)).toEqual({ allowed: false, reason: 'unavailable', source: 'classifier' });
    await down.close();
  });
});
