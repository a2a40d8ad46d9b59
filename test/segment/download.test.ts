import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startFakeServer, type FakeServer } from '../fakes/http.js';
import { readEnv } from '../../src/config/env.js';
import { fetchModel, type DownloadProgress } from '../../src/providers/segment/download.js';
import { ModelDownloads, ensureDefaultModelInBackground, getCard } from '../../src/providers/segment/index.js';
import { clearConfigCache, loadConfig } from '../../src/config/load.js';
import type { ModelCard } from '../../src/config/schemas/models.js';
import { getLogger } from '../../src/util/logger.js';
import { tempDir } from './helpers.js';

const MODEL = Buffer.alloc(300_000).map((_, i) => (i * 7919) % 251);
const SHA = createHash('sha256').update(MODEL).digest('hex');

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves MODEL at /model.onnx with Range support, in small chunks so progress is visible. */
async function modelServer(body = MODEL): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.path !== '/model.onnx') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('not found');
    }
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` });
      return void res.end();
    }
    const part = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(part.length),
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    for (let i = 0; i < part.length; i += 65536) res.write(part.subarray(i, i + 65536));
    res.end();
  });
}

function card(url: string, extra: Partial<ModelCard> = {}): ModelCard {
  return { ...getCard('segformer_b2_clothes', loadConfig({ sections: ['models'] }).models), file: 'm.onnx', url, sha256: SHA, size: MODEL.length, ...extra };
}

describe('fetchModel', () => {
  it('downloads with progress, checks sha256 and renames into place', async () => {
    server = await modelServer();
    const dataDir = tempDir();
    const progress: DownloadProgress[] = [];
    const r = await fetchModel('m', card(`${server.url}/model.onnx`), { dataDir }, { onProgress: (p) => progress.push(p) });
    const file = path.join(dataDir, 'models', 'm.onnx');
    expect(r).toMatchObject({ file, sha256: SHA, bytes: MODEL.length, downloaded: true });
    expect(readFileSync(file).equals(MODEL)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ received: MODEL.length, total: MODEL.length });
    // Already there and intact: no second download.
    const again = await fetchModel('m', card(`${server.url}/model.onnx`), { dataDir });
    expect(again.downloaded).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('resumes a partial download with a Range request', async () => {
    server = await modelServer();
    const dataDir = tempDir();
    mkdirSync(path.join(dataDir, 'models'));
    writeFileSync(path.join(dataDir, 'models', 'm.onnx.part'), MODEL.subarray(0, 120_000));
    const progress: DownloadProgress[] = [];
    const r = await fetchModel('m', card(`${server.url}/model.onnx`), { dataDir }, { onProgress: (p) => progress.push(p) });
    expect(server.requests[0]!.headers.range).toBe('bytes=120000-');
    expect(progress[0]).toMatchObject({ resumedFrom: 120_000, received: 120_000 });
    expect(readFileSync(r.file).equals(MODEL)).toBe(true);
  });

  it('refuses a file with the wrong sha256 and leaves nothing behind', async () => {
    const bad = Buffer.from(MODEL);
    bad[1000] ^= 0xff;
    server = await modelServer(bad);
    const dataDir = tempDir();
    await expect(fetchModel('m', card(`${server.url}/model.onnx`), { dataDir })).rejects.toMatchObject({ key: 'segment.model_bad_hash', params: { expected: SHA } });
    expect(existsSync(path.join(dataDir, 'models', 'm.onnx'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'models', 'm.onnx.part'))).toBe(false);
  });

  it('reports a 404 with the status', async () => {
    server = await modelServer();
    await expect(fetchModel('m', card(`${server.url}/missing.onnx`), { dataDir: tempDir() })).rejects.toMatchObject({
      key: 'segment.download_failed',
      params: { status: '404 Not Found' },
    });
  });

  it('gives a clear offline message naming where to put the file', async () => {
    server = await modelServer();
    const url = `${server.url}/model.onnx`;
    await server.close();
    server = undefined;
    const dataDir = tempDir();
    await expect(fetchModel('m', card(url), { dataDir })).rejects.toMatchObject({
      key: 'segment.download_offline',
      params: { detail: 'ECONNREFUSED', path: path.join(dataDir, 'models', 'm.onnx'), url },
    });
  });

  it('says so when a card has no URL', async () => {
    await expect(fetchModel('mp', getCard('mediapipe_selfie_multiclass', loadConfig({ sections: ['models'] }).models), { dataDir: tempDir() })).rejects.toMatchObject({ key: 'segment.no_url' });
  });
});

describe('ensureDefaultModelInBackground', () => {
  it('returns at once and fetches the absent default model in the background', async () => {
    server = await modelServer();
    const dir = tempDir();
    const cfg = path.join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      `models:\n  cards:\n    segformer_b2_clothes:\n      url: ${server.url}/model.onnx\n      sha256: ${SHA}\n      size: ${MODEL.length}\n`,
    );
    const saved = process.env.CONFIG_FILE;
    process.env.CONFIG_FILE = cfg;
    clearConfigCache();
    try {
      const env = readEnv({ DATA_DIR: dir });
      const { models } = loadConfig({ sections: ['models'] });
      const downloads = new ModelDownloads();
      ensureDefaultModelInBackground({ env, models, logger: getLogger(), downloads });
      const file = path.join(dir, 'models', 'segformer_b2_clothes.onnx');
      expect(existsSync(file)).toBe(false); // nothing awaited yet: start-up is not blocked
      await downloads.settled();
      expect(statSync(file).size).toBe(MODEL.length);
      ensureDefaultModelInBackground({ env, models, logger: getLogger(), downloads }); // present: nothing to do
      await downloads.settled();
      expect(server.requests).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.CONFIG_FILE;
      else process.env.CONFIG_FILE = saved;
      clearConfigCache();
    }
  });
});
