import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, memoryStore, MemoryBlobStore } from '../../src/engine/index.js';
import { TestAdapter } from '../support/test-adapter.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';
import { fakeSegmentation, photo, testEnv } from './fakes.js';
import { realEngineOptions } from '../support/engine-fakes.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-points-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Mean RGB of a horizontal band (fractions of the height) of an encoded image. */
async function bandMean(data: Buffer, from: number, to: number): Promise<number[]> {
  const { width, height } = await sharp(data).metadata();
  const top = Math.floor(from * height!);
  // stats() reads its input, not the pipeline's output: cut the band out first.
  const cut = await sharp(data).extract({ left: 0, top, width: width!, height: Math.max(1, Math.floor(to * height!) - top) }).png().toBuffer();
  const band = await sharp(cut).stats();
  return band.channels.slice(0, 3).map((c) => Math.round(c.mean));
}

async function engineWithRealPlanner() {
  const planner = new OfflineInterpreter({ language: testLanguage(), vocabulary: testVocabulary() });
  const asked: (readonly string[])[] = [];
  const engine = await createEngine(realEngineOptions({
    env: testEnv(dataDir),
    store: memoryStore(),
    blobs: new MemoryBlobStore(),
    // Top third Background, middle third Face, bottom third Upper-clothes.
    segmentation: fakeSegmentation(),
    planner: { name: planner.name, health: () => planner.health(), plan: (req) => (asked.push(req.labels), planner.plan(req)) },
    suggester: null,
    config: { jobs: { progressIntervalMs: 0 } } as never,
  }));
  return { engine, asked };
}

describe('clicked points pick the parts an instruction applies to (the thesis mask editor)', () => {
  it('aims "make it red" at the part under the click and leaves the rest of the photo alone', async () => {
    const { engine, asked } = await engineWithRealPlanner();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#808080', 60, 45)] });
    // A click in the bottom third (the shirt), then words without any part name.
    await chat.post({ text: 'make it red', points: [{ x: 0.5, y: 0.9 }] });
    expect(asked.at(-1)).toEqual(['Upper-clothes']);
    const proposal = chat.last('T1')!.reply;
    expect(proposal.kind).toBe('proposal');
    expect(proposal.fields?.map((f) => f.value).join('\n')).toMatch(/clicked/);
    const buttons = (proposal.buttons ?? []).flat().map((b) => b.label);
    expect(buttons.join(' | ')).toMatch(/upper-clothes|top/i);
    await chat.click(/upper-clothes|top/i);
    await chat.waitUntilIdle();
    const result = chat.last('T1')!.reply;
    expect(result.kind, result.text).toBe('result');
    const img = result.images![0]!.data;
    expect(await bandMean(img, 0, 0.3)).toEqual([128, 128, 128]);
    const [r, g, b] = await bandMean(img, 0.7, 1);
    expect(r!).toBeGreaterThan(g! + 30);
    expect(r!).toBeGreaterThan(b! + 30);
    await engine.close();
  });

  it('asks what to change when only points arrive, naming the picked parts', async () => {
    const { engine } = await engineWithRealPlanner();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#808080', 60, 45)] });
    await chat.post({ text: '', points: [{ x: 0.2, y: 0.1 }, { x: 0.5, y: 0.5 }] });
    const reply = chat.last('T1')!.reply;
    expect(reply.text).toMatch(/You picked: .*background.*face/i);
    await engine.close();
  });
});
