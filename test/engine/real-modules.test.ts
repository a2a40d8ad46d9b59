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
    await chat.click(/^Recolour top/);
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
    // Said before any click, once, with the one fix (the playground is the operator's page).
    const notes = proposal.fields!.map((f) => f.value).join('\n');
    expect(notes).toMatch(/“Recolour top → #ff0000”: The parts model segformer_b2_clothes \(110 MB\) is not downloaded yet.*Fix: run `chat-image-editor models fetch`\./);
    expect(notes.match(/whole photo|Whole-photo/gi) ?? []).toHaveLength(0);
    expect(proposal.buttons!.flat().map((b) => b.label)).not.toContain('Recolour top → #ff0000');
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
    // No image generator here: the new background is offered as a local equivalent, said so, never as a button that fails after the click.
    expect(labels.some((l) => /^Change/.test(l))).toBe(false);
    expect(labels).toContain('Blur background → strength +30');
    expect(labels.some((l) => /^Recolour top → #?f/i.test(l))).toBe(true);
    expect(proposal.fields!.find((f) => f.label === 'Instead')?.value).toMatch(/instead of “Change background → .*beach.*”: Blur background → strength \+30/);
    await chat.click(/^Recolour top/);
    await chat.waitUntilIdle();
    const result = chat.last('T1')!.reply;
    expect(result.kind, result.text).toBe('result');

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
