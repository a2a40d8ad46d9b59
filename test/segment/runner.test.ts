import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import Keyv from 'keyv';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { createSegmenter, SegmentationService, type Segmenter } from '../../src/providers/segment/index.js';
import { OnnxSegmenter } from '../../src/providers/segment/onnx.js';
import { getCard } from '../../src/providers/segment/cards.js';
import type { LabelMap } from '../../src/core/types.js';
import { COLOUR_LABEL, tinySegformer } from './fixtures/onnx.js';
import { animatedGif, exifRotatedJpeg, pngBomb, solid, tricolourJpeg } from './fixtures/images.js';
import { ensureBuilt, tempDir } from './helpers.js';

const at = (m: LabelMap, x: number, y: number) => m.data[y * m.width + x];
const { models, images } = loadConfig({ sections: ['models', 'images'] });

let dir: string;
let modelFile: string;
let segmenter: Segmenter;

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir();
  modelFile = path.join(dir, 'tiny.onnx');
  writeFileSync(modelFile, tinySegformer());
  segmenter = createSegmenter({ env: readEnv({ DATA_DIR: dir, SEGMENT_MODEL_PATH: modelFile }), models, limits: { maxPixels: 1_000_000, maxBytes: 5_000_000 } });
}, 120_000);

afterAll(async () => {
  await segmenter?.close();
});

describe('local onnx segmenter (real onnxruntime in a worker thread)', () => {
  it('gives a label map of the photo size with the labels the model predicts', async () => {
    const map = await segmenter.segment(await tricolourJpeg(64, 48));
    expect([map.width, map.height]).toEqual([64, 48]);
    expect(map.labels[4]).toBe('Upper-clothes');
    expect(at(map, 10, 6)).toBe(COLOUR_LABEL.red);
    expect(at(map, 8, 42)).toBe(COLOUR_LABEL.green);
    expect(at(map, 56, 42)).toBe(COLOUR_LABEL.blue);
    expect(await segmenter.health()).toMatchObject({ state: 'ok' });
  });

  it('lines the map up with the upright photo of an EXIF-rotated JPEG', async () => {
    const map = await segmenter.segment(await exifRotatedJpeg());
    expect([map.width, map.height]).toEqual([48, 64]);
    expect(at(map, 24, 8)).toBe(COLOUR_LABEL.red);
    expect(at(map, 24, 56)).toBe(COLOUR_LABEL.blue);
  });

  it('reads greyscale, 16-bit, CMYK and alpha photos', async () => {
    const grey = await solid('#808080').toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect(at(await segmenter.segment(grey), 16, 16)).toBe(COLOUR_LABEL.grey);

    const deep = await solid('#ff0000').toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    expect(at(await segmenter.segment(deep), 16, 16)).toBe(COLOUR_LABEL.red);

    const cmyk = await solid('#ff0000').toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    expect(at(await segmenter.segment(cmyk), 16, 16)).toBe(COLOUR_LABEL.red);

    const alpha = await solid({ r: 0, g: 255, b: 0, alpha: 0.5 } as unknown as string, 32, 32, 4).png().toBuffer();
    expect((await sharp(alpha).metadata()).hasAlpha).toBe(true);
    expect(at(await segmenter.segment(alpha), 16, 16)).toBe(COLOUR_LABEL.green);
  });

  it('uses the first frame of an animated GIF', async () => {
    const gif = await animatedGif();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const map = await segmenter.segment(gif);
    expect([map.width, map.height]).toEqual([32, 24]);
    expect(at(map, 16, 12)).toBe(COLOUR_LABEL.red);
  });

  it('refuses empty, non-image, truncated, too large and bomb inputs with clear errors', async () => {
    await expect(segmenter.segment(Buffer.alloc(0))).rejects.toMatchObject({ key: 'image.empty' });
    await expect(segmenter.segment(Buffer.from('hello, not a photo'))).rejects.toMatchObject({ key: 'image.not_image' });
    const jpeg = await tricolourJpeg(400, 300);
    await expect(segmenter.segment(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).rejects.toMatchObject({ key: expect.stringMatching(/^image\.(corrupt|not_image)$/) });
    await expect(segmenter.segment(await tricolourJpeg(1200, 1000))).rejects.toMatchObject({ key: 'image.too_large' });
    await expect(segmenter.segment(pngBomb())).rejects.toMatchObject({ key: 'image.too_large' });
  });
});

describe('model checks', () => {
  it('refuses a model whose output has the wrong shape', async () => {
    const file = path.join(dir, 'five.onnx');
    writeFileSync(file, tinySegformer({ classes: 5 }));
    const s = new OnnxSegmenter({ name: 'five', card: getCard('segformer_b2_clothes', models), file, verifyHash: false, threads: 1 });
    await expect(s.segment(await tricolourJpeg())).rejects.toMatchObject({
      key: 'segment.model_bad_output',
      params: { actual: 'float32[1,5,128,128]', expected: 'float32[1,18,h,w]' },
    });
    await s.close();
  });

  it('refuses a model without the output the card names', async () => {
    const file = path.join(dir, 'renamed.onnx');
    writeFileSync(file, tinySegformer({ outputName: 'scores' }));
    const s = new OnnxSegmenter({ name: 'renamed', card: getCard('segformer_b2_clothes', models), file, verifyHash: false, threads: 1 });
    await expect(s.segment(await tricolourJpeg())).rejects.toMatchObject({ key: 'segment.model_bad_io', params: { name: 'logits', actual: 'scores' } });
    await s.close();
  });

  it('refuses a downloaded model whose sha256 differs from the card', async () => {
    const data = tempDir();
    mkdirSync(path.join(data, 'models'));
    writeFileSync(path.join(data, 'models', 'segformer_b2_clothes.onnx'), tinySegformer());
    const s = createSegmenter({ env: readEnv({ DATA_DIR: data }), models, limits: images });
    await expect(s.segment(await tricolourJpeg())).rejects.toMatchObject({ key: 'segment.model_bad_hash' });
    await s.close();
  });

  it('says the model is missing (and health is down) when nothing is installed', async () => {
    const s = createSegmenter({ env: readEnv({ DATA_DIR: tempDir() }), models, limits: images });
    await expect(s.segment(await tricolourJpeg())).rejects.toMatchObject({ key: 'segment.model_missing', params: { model: 'segformer_b2_clothes' } });
    expect(await s.health()).toMatchObject({ state: 'down' });
    await s.close();
  });
});

describe('SegmentationService', () => {
  it('parses a photo once: the cache is keyed by the sha256 of its bytes', async () => {
    const service = new SegmentationService(segmenter, new Keyv());
    const photo = await tricolourJpeg();
    const [a, b] = await Promise.all([service.segment(photo), service.segment(photo)]);
    const c = await service.segment(Buffer.from(photo));
    expect(service.runs).toBe(1);
    expect([...c.data]).toEqual([...a.data]);
    expect(b.width).toBe(64);
    await service.segment(await tricolourJpeg(32, 32));
    expect(service.runs).toBe(2);
    expect(service.labels).toBe(segmenter.labels);
  });

  it('reads cached maps back from a serialising store', async () => {
    const store = new Map<string, unknown>();
    const keyv = new Keyv({ store });
    const photo = await tricolourJpeg();
    const first = await new SegmentationService(segmenter, keyv).segment(photo);
    const again = new SegmentationService(segmenter, keyv);
    const second = await again.segment(photo);
    expect(again.runs).toBe(0);
    expect([...second.data]).toEqual([...first.data]);
  });
});
