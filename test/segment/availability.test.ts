import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fakes/http.js';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { ModelsConfig } from '../../src/config/schemas/models.js';
import { explainParts, explainGenerator, formatEta, type PartsState } from '../../src/core/availability.js';
import { fetchModel, modelUrl, HUB } from '../../src/providers/segment/download.js';
import { ModelDownloads, noteFile, readPartsState } from '../../src/providers/segment/status.js';
import { tempDir } from './helpers.js';

const MODEL = Buffer.alloc(200_000).map((_, i) => (i * 31) % 251);
const SHA = createHash('sha256').update(MODEL).digest('hex');

let server: (FakeServer & { release?: () => void }) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The default models config with the active card pointed at a hub path (HF_ENDPOINT decides the host). */
function models(over: Partial<ModelsConfig['cards'][string]> = {}): ModelsConfig {
  const base = loadConfig({ sections: ['models'] }).models;
  const card = { ...base.cards[base.default]!, file: 'parts.onnx', url: `${HUB}/org/parts/resolve/main/model.onnx`, sha256: SHA, size: MODEL.length, ...over };
  return { ...base, cards: { ...base.cards, [base.default]: card } };
}

/** A hub mirror: serves MODEL under /org/parts/resolve/main/model.onnx, in chunks, optionally held at `holdAt` bytes. */
async function mirror(o: { status?: number; holdAt?: number } = {}): Promise<FakeServer & { release(): void }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const s = await startFakeServer(async (req, res) => {
    if (o.status) {
      res.writeHead(o.status);
      return void res.end();
    }
    if (req.path !== '/org/parts/resolve/main/model.onnx') {
      res.writeHead(404);
      return void res.end();
    }
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    const body = MODEL.subarray(start);
    res.writeHead(range ? 206 : 200, { 'content-length': String(body.length), ...(range ? { 'content-range': `bytes ${start}-${MODEL.length - 1}/${MODEL.length}` } : {}) });
    for (let i = 0; i < body.length; i += 20_000) {
      if (o.holdAt !== undefined && start + i >= o.holdAt) await released;
      res.write(body.subarray(i, i + 20_000));
    }
    res.end();
  });
  return Object.assign(s, { release });
}

describe('HF_ENDPOINT', () => {
  it('replaces the hub base of card URLs and leaves other hosts alone', () => {
    expect(modelUrl(`${HUB}/a/b/resolve/main/m.onnx`, { hfEndpoint: 'https://hf-mirror.com/' })).toBe('https://hf-mirror.com/a/b/resolve/main/m.onnx');
    expect(modelUrl(`${HUB}/a/b/resolve/main/m.onnx`, {})).toBe(`${HUB}/a/b/resolve/main/m.onnx`);
    expect(modelUrl('https://example.org/m.onnx', { hfEndpoint: 'https://hf-mirror.com' })).toBe('https://example.org/m.onnx');
    expect(modelUrl(`${HUB}.evil.com/m.onnx`, { hfEndpoint: 'https://hf-mirror.com' })).toBe(`${HUB}.evil.com/m.onnx`);
    expect(readEnv({ HF_ENDPOINT: ' https://hf-mirror.com ' }).hfEndpoint).toBe('https://hf-mirror.com');
  });

  it('fetches a hub card from the mirror it names', async () => {
    server = await mirror();
    const dataDir = tempDir();
    const cfg = models();
    const r = await fetchModel('parts', cfg.cards[cfg.default]!, { dataDir, hfEndpoint: server.url });
    expect(r).toMatchObject({ sha256: SHA, downloaded: true });
    expect(server.requests[0]!.path).toBe('/org/parts/resolve/main/model.onnx');
  });
});

describe('the parts model: one state for every surface', () => {
  it('goes from not downloaded to downloading (percent and ETA) to ready, and tells listeners', async () => {
    server = await mirror({ holdAt: 100_000 });
    const dataDir = tempDir();
    const env = { ...readEnv({ DATA_DIR: dataDir, HF_ENDPOINT: server.url }), dataDir };
    const cfg = models();
    expect(readPartsState(env, cfg)).toMatchObject({ state: 'not-downloaded', size: MODEL.length });
    let clock = 1_000_000;
    const downloads = new ModelDownloads({ now: () => clock });
    const seen: string[] = [];
    downloads.subscribe(() => seen.push(readPartsState(env, cfg, downloads).state));
    const card = cfg.cards[cfg.default]!;
    const file = path.join(dataDir, 'models', 'parts.onnx');
    const done = downloads.fetch(cfg.default, card, env, { file, onProgress: () => (clock += 500) });
    await expect.poll(() => readPartsState(env, cfg, downloads)).toMatchObject({ state: 'downloading', received: 100_000, total: MODEL.length });
    const mid = readPartsState(env, cfg, downloads) as Extract<PartsState, { state: 'downloading' }>;
    expect(mid.etaSeconds).toBeGreaterThan(0);
    // Another process (doctor, the CLI) reads the same state from the note file.
    expect(existsSync(noteFile(file))).toBe(true);
    const operator = explainParts(mid, 'en', 'operator');
    expect(operator.percent).toBe(50);
    expect(operator.text).toMatch(/50 % of 200 KB, about \d+ s left/);
    expect(explainParts(mid, 'en', 'people').text).toBe('Getting ready: downloading the parts model (50 %)…');
    expect(explainParts(mid, 'zh-CN', 'people').text).toBe('准备中：正在下载部位识别模型（50%）…');
    server.release!();
    expect(await done).toMatchObject({ sha256: SHA });
    expect(readPartsState(env, cfg, downloads)).toMatchObject({ state: 'ready', via: 'local' });
    expect(seen).toContain('downloading');
    expect(seen.at(-1)).toBe('ready');
    expect(existsSync(noteFile(file))).toBe(false);
  });

  it('says offline with the host, and the fix names HF_ENDPOINT; another process reads it from the note', async () => {
    server = await mirror();
    const url = server.url;
    await server.close();
    server = undefined;
    const dataDir = tempDir();
    const env = { ...readEnv({ DATA_DIR: dataDir, HF_ENDPOINT: url }), dataDir };
    const cfg = models();
    const downloads = new ModelDownloads();
    const file = path.join(dataDir, 'models', 'parts.onnx');
    expect(await downloads.fetch(cfg.default, cfg.cards[cfg.default]!, env, { file })).toBeUndefined();
    const state = readPartsState(env, cfg, downloads);
    expect(state).toMatchObject({ state: 'offline', host: new URL(url).host, detail: 'ECONNREFUSED' });
    expect(readPartsState(env, cfg)).toEqual(state);
    const e = explainParts(state, 'en', 'operator');
    expect(e.fix).toMatch(/HF_ENDPOINT/);
    expect(explainParts(state, 'en', 'people').text).not.toMatch(/chat-image-editor|HF_ENDPOINT|SEGMENT/);
  });

  it('says failed with the server status when the hub refuses, with `models fetch` as the fix', async () => {
    server = await mirror({ status: 403 });
    const dataDir = tempDir();
    const env = { ...readEnv({ DATA_DIR: dataDir, HF_ENDPOINT: server.url }), dataDir };
    const cfg = models();
    const downloads = new ModelDownloads();
    await downloads.fetch(cfg.default, cfg.cards[cfg.default]!, env, { file: path.join(dataDir, 'models', 'parts.onnx') });
    const state = readPartsState(env, cfg, downloads);
    expect(state).toMatchObject({ state: 'failed', detail: '403 Forbidden' });
    expect(explainParts(state, 'en', 'operator').fix).toBe('Fix: run `chat-image-editor models fetch`.');
  });

  it('gives up a stalled download as offline and keeps the partial file for a resume', async () => {
    server = await mirror({ holdAt: 60_000 });
    const dataDir = tempDir();
    const env = { ...readEnv({ DATA_DIR: dataDir, HF_ENDPOINT: server.url }), dataDir };
    const cfg = models();
    const downloads = new ModelDownloads({ idleTimeoutMs: 300 });
    const file = path.join(dataDir, 'models', 'parts.onnx');
    await downloads.fetch(cfg.default, cfg.cards[cfg.default]!, env, { file });
    expect(readPartsState(env, cfg, downloads)).toMatchObject({ state: 'offline', detail: expect.stringMatching(/no data/) });
    expect(existsSync(`${file}.part`)).toBe(true);
    server.release!();
    // The next attempt resumes from the partial file.
    const again = await new ModelDownloads().fetch(cfg.default, cfg.cards[cfg.default]!, env, { file });
    expect(again).toMatchObject({ sha256: SHA });
    expect(server.requests.at(-1)!.headers.range).toBe('bytes=60000-');
  });

  it('names SEGMENT_MODEL_PATH when it points at a missing file, never "not installed yet"', () => {
    const dataDir = tempDir();
    const env = readEnv({ DATA_DIR: dataDir, SEGMENT_MODEL_PATH: path.join(dataDir, 'nope.onnx') });
    const state = readPartsState(env, models());
    expect(state).toMatchObject({ state: 'file-missing', by: 'SEGMENT_MODEL_PATH' });
    const e = explainParts(state, 'en', 'operator');
    expect(e.text).toMatch(/nope\.onnx/);
    expect(e.fix).toBe('Fix: point SEGMENT_MODEL_PATH at the model file.');
    expect(e.text).not.toMatch(/not downloaded|not installed/);
  });

  it('counts a partial file of a dead download as not downloaded (the next start resumes it)', () => {
    const dataDir = tempDir();
    mkdirSync(path.join(dataDir, 'models'));
    const file = path.join(dataDir, 'models', 'parts.onnx');
    writeFileSync(`${file}.part`, MODEL.subarray(0, 1000));
    writeFileSync(noteFile(file), JSON.stringify({ model: 'm', state: 'downloading', received: 1000, pid: 2 ** 22 + 7, updatedAt: Date.now() }));
    expect(readPartsState(readEnv({ DATA_DIR: dataDir }), models())).toMatchObject({ state: 'not-downloaded', partial: 1000 });
  });

  it('has one sentence and at most one fix per situation, in both languages, and none for people', () => {
    const states: PartsState[] = [
      { state: 'not-downloaded', model: 'm', size: 110_039_290 },
      { state: 'downloading', model: 'm', received: 5, total: 10, etaSeconds: 200 },
      { state: 'file-missing', model: 'm', file: '/x.onnx', by: 'card' },
      { state: 'failed', model: 'm', detail: 'sha256 mismatch' },
      { state: 'offline', model: 'm', host: 'huggingface.co', detail: 'ENOTFOUND' },
    ];
    for (const s of states) {
      for (const locale of ['en', 'zh-CN'] as const) {
        const op = explainParts(s, locale, 'operator');
        expect(op.text.length).toBeGreaterThan(10);
        expect(op.fix).toBeDefined();
        const people = explainParts(s, locale, 'people');
        expect(people.fix).toBeUndefined();
        expect(people.text).not.toMatch(/chat-image-editor|SEGMENT|HF_ENDPOINT|SD_WEBUI|`/);
      }
    }
    expect(explainParts(states[0]!, 'en', 'operator').text).toMatch(/110 MB/);
    expect(formatEta(200, 'en')).toBe('about 3 min');
    expect(formatEta(20, 'zh-CN')).toBe('约 20 秒');
    expect(explainGenerator('en', 'people').text).not.toMatch(/SD_WEBUI_URL/);
    expect(explainGenerator('en', 'operator').fix).toMatch(/SD_WEBUI_URL/);
  });
});
