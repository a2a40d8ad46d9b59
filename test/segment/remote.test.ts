import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, sendJson, type FakeServer } from '../fakes/http.js';
import { RemoteSegmenter } from '../../src/providers/segment/remote.js';
import { createSegmenter } from '../../src/providers/segment/index.js';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { encodeLabelMap } from '../../src/core/labelmap-png.js';
import { ATR, mapFromRows, tempDir } from './helpers.js';
import { tricolourJpeg } from './fixtures/images.js';

const segmenterConfig = () => {
  const { models, images } = loadConfig({ sections: ['models', 'images'] });
  return { models, limits: images };
};

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const W = 8;
const H = 6;
const rows = ['22222222', '22222222', '44444444', '44444444', '00000000', '00000000'];

describe('remote segmenter (hosted fallback)', () => {
  it('posts the photo and reads a label map PNG answer', async () => {
    const png = await encodeLabelMap(mapFromRows(rows));
    server = await startFakeServer((req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
    });
    const photo = await tricolourJpeg(W, H);
    const map = await new RemoteSegmenter(`${server.url}/segment`, ATR).segment(photo);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/segment' });
    expect(server.requests[0]!.body.equals(photo)).toBe(true);
    expect(server.requests[0]!.headers['content-type']).toBe('image/jpeg');
    expect(map.data[0]).toBe(2);
    expect(map.data[2 * W]).toBe(4);
  });

  it('maps a JSON answer with its own label order onto ours by name', async () => {
    const theirs = ['Upper-clothes', 'Hair', 'Background'];
    const png = await encodeLabelMap(mapFromRows(['11111111', '11111111', '00000000', '00000000', '22222222', '22222222'], theirs));
    server = await startFakeServer((_req, res) => sendJson(res, 200, { labels: theirs, labelmap: png.toString('base64') }));
    const map = await new RemoteSegmenter(server.url, ATR).segment(await tricolourJpeg(W, H));
    expect([map.data[0], map.data[2 * W], map.data[4 * W]]).toEqual([2, 4, 0]);
  });

  it('is used by createSegmenter when no local model is installed, and reports failures clearly', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 503, { error: 'busy' }));
    const s = createSegmenter({ env: readEnv({ DATA_DIR: tempDir(), SEGMENTER_URL: server.url }), ...segmenterConfig() });
    await expect(s.segment(await tricolourJpeg(W, H))).rejects.toMatchObject({ key: 'segment.remote_failed', params: { detail: 'HTTP 503' } });
    expect(server.requests).toHaveLength(1);
    await s.close();
  });

  it('refuses a map that does not match the photo size', async () => {
    const png = await encodeLabelMap(mapFromRows(['0000']));
    server = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
    });
    await expect(new RemoteSegmenter(server.url, ATR).segment(await tricolourJpeg(W, H))).rejects.toMatchObject({ key: 'segment.remote_failed' });
  });
});
