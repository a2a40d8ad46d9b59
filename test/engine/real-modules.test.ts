import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, memoryStore, MemoryBlobStore } from '../../src/engine/index.js';
import { TestAdapter } from '../support/test-adapter.js';
import { fakePlanner, fakeSegmentation, meanColor, photo, testEnv } from './fakes.js';
import { realEngineOptions } from '../support/engine-fakes.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-real-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * The engine with the real command language, executor (local operations), upload encoder and
 * overlay renderer, loaded lazily by createEngine's defaults; only the segmenter and the planner
 * are stand-ins (no model file, no LLM here).
 */
describe('the engine with the real pipeline modules', () => {
  it('recolours the shirt through the real executor and returns a full-resolution PNG', async () => {
    const engine = await createEngine(realEngineOptions({
      env: testEnv(dataDir),
      store: memoryStore(),
      blobs: new MemoryBlobStore(),
      segmentation: fakeSegmentation(),
      planner: fakePlanner(),
      suggester: null,
      config: { jobs: { progressIntervalMs: 0 } } as never,
    }));
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'make the shirt red', images: [await photo('#808080', 60, 45)] });
    const proposal = chat.last('T1')!.reply;
    expect(proposal.kind).toBe('proposal');
    // The real overlay renderer shows the parts that were found.
    expect(proposal.images?.[0]?.mimeType).toMatch(/^image\/(jpeg|png)$/);
    await chat.click(/^Recolour upper-clothes/);
    await chat.waitUntilIdle();
    const result = chat.last('T1')!.reply;
    expect(result.kind, result.text).toBe('result');
    const img = result.images![0]!;
    expect(img.mimeType).toBe('image/png');
    expect([img.width, img.height]).toEqual([60, 45]);
    expect(result.fields, JSON.stringify(result.fields)).toBeUndefined();
    expect(await meanColor(img.data)).not.toEqual([128, 128, 128]);
    await engine.close();
  });

  it('without a segmentation model, whole-photo edits still run and part edits are explained', async () => {
    const engine = await createEngine(realEngineOptions({
      env: testEnv(dataDir),
      store: memoryStore(),
      blobs: new MemoryBlobStore(),
      planner: fakePlanner(),
      suggester: null,
      config: { jobs: { progressIntervalMs: 0 } } as never,
    }));
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'make the shirt red, brighter', images: [await photo('#808080', 60, 45)] });
    const proposal = chat.last('T1')!.reply;
    expect(proposal.fields!.map((f) => f.value).join('\n')).toMatch(/need the parts of the photo.*Recolour upper-clothes/s);
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const result = chat.last('T1')!.reply;
    expect(result.kind, result.text).toBe('result');
    expect((await meanColor(result.images![0]!.data))[0]).toBeGreaterThan(128);
    await engine.close();
  });
});

describe('the engine with every real module but the segmentation model', () => {
  it('understands an English and a Chinese instruction with the offline interpreter and runs a local edit', async () => {
    const engine = await createEngine(realEngineOptions({
      env: testEnv(dataDir),
      store: memoryStore(),
      blobs: new MemoryBlobStore(),
      segmentation: fakeSegmentation(),
      config: { jobs: { progressIntervalMs: 0 } } as never,
    }));
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'change the background to a beach, make the shirt white', images: [await photo('#808080', 60, 45)] });
    const proposal = chat.last('T1')!.reply;
    expect(proposal.kind, proposal.text).toBe('proposal');
    const labels = proposal.buttons!.flat().map((b) => b.label);
    expect(labels.some((l) => /^Change background → .*beach/i.test(l))).toBe(true);
    expect(labels.some((l) => /^Recolour upper-clothes → #?f/i.test(l))).toBe(true);
    // The first click takes the proposal's message over; the second command is pressed from the proposal as it was shown.
    const background = chat.findButton(/^Change background/)!;
    await chat.click(/^Recolour upper-clothes/);
    await chat.waitUntilIdle();
    const result = chat.last('T1')!.reply;
    expect(result.kind, result.text).toBe('result');

    // No image backend is configured here: a generative edit ends in a clear message with Retry, never silence.
    await chat.clickId(background.button.id, { message: background.message.ref });
    await chat.waitUntilIdle();
    const failed = chat.last('T1')!.reply;
    expect(failed.kind, JSON.stringify({ text: failed.text, fields: failed.fields })).toBe('error');
    expect(failed.buttons!.flat().map((b) => b.label)).toEqual(['Retry with new seed']);
    expect(failed.text).toMatch(/Nothing was changed:\nChange background → beach: .*image generator/);

    await chat.post({ text: '把上衣改成红色', images: [await photo('#808080', 60, 45)], thread: 'T2' });
    const zh = chat.last('T2')!.reply;
    expect(zh.locale).toBe('zh-CN');
    expect(zh.kind, zh.text).toBe('proposal');
    expect(zh.buttons!.flat().map((b) => b.label).some((l) => l.startsWith('换色'))).toBe(true);
    await engine.close();
  });

  it('answers a photo without words with the offline suggestions', async () => {
    const engine = await createEngine(realEngineOptions({ env: testEnv(dataDir), store: memoryStore(), blobs: new MemoryBlobStore(), segmentation: fakeSegmentation() }));
    const chat = new TestAdapter(engine);
    await chat.post({ images: [await photo('#202020', 60, 45)] });
    const reply = chat.last('T1')!.reply;
    expect(['proposal', 'info']).toContain(reply.kind);
    expect(reply.text.length).toBeGreaterThan(0);
    await engine.close();
  });
});
