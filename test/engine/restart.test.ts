import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, openStore } from '../../src/engine/index.js';
import { TestAdapter } from '../support/test-adapter.js';
import type { Engine } from '../../src/engine/index.js';
import { catalog, fakeExecutor, fakePlanner, fakeSegmentation, fakeSuggester, meanColor, photo, testEnv } from './fakes.js';
import { engineOptions } from '../support/engine-fakes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function boot(dataDir: string, executor = fakeExecutor()): Promise<{ engine: Engine; executor: ReturnType<typeof fakeExecutor> }> {
  const engine = await createEngine(engineOptions({
    env: testEnv(dataDir),
    segmentation: fakeSegmentation(),
    planner: fakePlanner(),
    suggester: fakeSuggester(),
    executor,
    catalog,
    renderOverlay: null,
    config: { jobs: { progressIntervalMs: 0 } } as never,
  }));
  return { engine, executor };
}

describe('state survives a restart (SQLite under DATA_DIR)', () => {
  it('a button posted before the restart still works after it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-restart-'));
    dirs.push(dataDir);
    const first = await boot(dataDir);
    const chat = new TestAdapter(first.engine);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    const button = chat.findButton(/^Adjust/)!;
    await first.engine.close();

    const second = await boot(dataDir);
    chat.attach(second.engine);
    expect(await second.engine.isActive(chat.thread('T1'))).toBe(true);
    await chat.clickId(button.button.id, { message: button.message.ref });
    await chat.waitUntilIdle();
    expect(second.executor.log).toHaveLength(1);
    const result = chat.last('T1')!.reply;
    expect(result.kind).toBe('result');
    expect(await meanColor(result.images![0]!.data)).toEqual([84, 84, 84]);
    // Images are files named by their sha256, not rows in the state store.
    expect(readdirSync(path.join(dataDir, 'images')).every((f) => /^[0-9a-f]{64}\.(png|jpg)$/.test(f))).toBe(true);
    expect(readdirSync(path.join(dataDir, 'images')).length).toBeGreaterThanOrEqual(2);

    // The double-click guard is persistent too: the same button after another restart runs nothing.
    await second.engine.close();
    const third = await boot(dataDir);
    chat.attach(third.engine);
    await chat.clickId(button.button.id);
    await chat.waitUntilIdle();
    expect(third.executor.log).toHaveLength(0);
    expect(chat.last('T1')!.reply.text).toMatch(/already pressed/);
    await third.engine.close();
  });

  it('re-delivered events are dropped across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-restart-'));
    dirs.push(dataDir);
    const first = await boot(dataDir);
    const chat = new TestAdapter(first.engine);
    const msg = chat.makeMessage({ text: 'brighter', images: [await photo()], eventId: 'redelivered' });
    await first.engine.deliver({ kind: 'message', message: msg });
    await first.engine.close();
    const second = await boot(dataDir);
    chat.attach(second.engine);
    await second.engine.deliver({ kind: 'message', message: msg });
    expect(chat.replies('T1', { kind: 'ack' })).toHaveLength(1);
    await second.engine.close();
  });

  it('a job cut off by a restart runs again at the next start and edits its own progress message', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-restart-'));
    dirs.push(dataDir);
    const hanging = fakeExecutor({ hang: true });
    const first = await boot(dataDir, hanging);
    const chat = new TestAdapter(first.engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await chat.click(/^Adjust/);
    while (hanging.started === 0) await new Promise((r) => setTimeout(r, 5));
    // The process "dies": the first engine is abandoned with its job running.

    const second = await boot(dataDir);
    chat.attach(second.engine);
    await second.engine.recover(chat.platform);
    await chat.waitUntilIdle();
    expect(second.executor.log).toHaveLength(1);
    const jobs = chat.threadMessages('T1').filter((m) => m.reply.progress || m.reply.kind === 'result');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.reply.kind).toBe('result');
    expect(await meanColor(jobs[0]!.reply.images![0]!.data)).toEqual([71, 122, 224]);
    await second.engine.close();
  });

  it('a job whose photo was replaced before the restart is reported interrupted, with Retry', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-restart-'));
    dirs.push(dataDir);
    const hanging = fakeExecutor({ hang: true });
    const first = await boot(dataDir, hanging);
    const chat = new TestAdapter(first.engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await chat.click(/^Adjust/);
    while (hanging.started === 0) await new Promise((r) => setTimeout(r, 5));
    // A new photo starts the thread over; then the process dies.
    await chat.post({ text: 'brighter', images: [await photo('#808080')] });

    const second = await boot(dataDir);
    chat.attach(second.engine);
    await second.engine.recover(chat.platform);
    const job = chat.threadMessages('T1').find((m) => m.reply.kind === 'error')!;
    expect(job.reply.text).toMatch(/interrupted because the bot restarted/);
    expect((job.reply.buttons ?? []).flat().map((b) => b.label)).toContain('Try again');
    expect(second.executor.log).toHaveLength(0);
    await second.engine.close();
  });

  it('falls back to memory with a warning when the store cannot be opened, or stops when told to', async () => {
    const blocked = path.join(mkdtempSync(path.join(tmpdir(), 'engine-store-')), 'file');
    dirs.push(path.dirname(blocked));
    // A data dir below a regular file cannot be created.
    writeFileSync(blocked, 'not a folder');
    const store = await openStore({ dataDir: path.join(blocked, 'data'), namespace: 'cie', onUnavailable: 'memory' });
    expect(store.kind).toBe('memory');
    await expect(openStore({ dataDir: path.join(blocked, 'data'), namespace: 'cie', onUnavailable: 'fail' })).rejects.toThrow(/state store .* cannot be opened/);
  });
});
