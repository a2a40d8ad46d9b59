import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { MAX_INSTRUCTION_CHARS } from '../../src/bots/web/index.js';

const dirs: string[] = [];
const apps: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function serve(env: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cie-web-ready-'));
  dirs.push(dataDir);
  const app = await startApp({ env: { DATA_DIR: dataDir, PATH: process.env.PATH, HOME: dataDir, ...env }, port: 0 });
  apps.push(app);
  return app;
}

describe('the playground tells what is not available yet, with the same words as doctor', () => {
  it('names SEGMENT_MODEL_PATH when it points at a missing file (never "not installed yet"), in the readiness line and the status panel', async () => {
    const app = await serve({ SEGMENT_MODEL_PATH: '/nowhere/parts.onnx' });
    const a = (await (await fetch(`${app.url}/api/availability?lang=en`)).json()) as { ready: boolean; parts: { state: string; text: string; fix: string }; generator: { available: boolean; fix?: string } };
    expect(a.ready).toBe(false);
    expect(a.parts).toMatchObject({ state: 'file-missing', fix: 'Fix: point SEGMENT_MODEL_PATH at the model file.' });
    expect(a.parts.text).toMatch(/\/nowhere\/parts\.onnx/);
    expect(a.generator).toMatchObject({ available: false, fix: expect.stringMatching(/SD_WEBUI_URL/) });
    const status = (await (await fetch(`${app.url}/api/status?lang=en`)).json()) as { checks: { name: string; state: string; detail: string }[] };
    const seg = status.checks.find((c) => c.name.startsWith('segmenter:'))!;
    expect(seg.detail).toBe(`${a.parts.text} ${a.parts.fix}`);
    expect(JSON.stringify(status)).not.toMatch(/SEGMENTER_URL|not installed/);
    const zh = (await (await fetch(`${app.url}/api/availability?lang=zh-CN`)).json()) as { parts: { text: string } };
    expect(zh.parts.text).toMatch(/不存在/);
  });

  it('answers the favicon, and refuses an over-long instruction with a sentence instead of cutting it', async () => {
    const app = await serve({ SEGMENT_MODEL_PATH: '/nowhere/parts.onnx' });
    const icon = await fetch(`${app.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    const form = new FormData();
    form.set('session', 'session-123456');
    form.set('text', 'x'.repeat(MAX_INSTRUCTION_CHARS + 1));
    const r = await fetch(`${app.url}/api/message`, { method: 'POST', body: form });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toMatch(/too long/);
    expect(MAX_INSTRUCTION_CHARS).toBeGreaterThanOrEqual(5000);
  });
});
