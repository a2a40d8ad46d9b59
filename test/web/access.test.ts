import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { createWebBot } from '../../src/bots/web/index.js';
import { HttpServer } from '../../src/server/http.js';
import { runBot, type StubEngine } from '../support/bot-harness.js';

const dirs: string[] = [];
const apps: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function serve(env: Record<string, string>): Promise<RunningApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cie-web-access-'));
  dirs.push(dataDir);
  const app = await startApp({ env: { DATA_DIR: dataDir, PATH: process.env.PATH, ...env }, port: 0 });
  apps.push(app);
  return app;
}

/** The app listens on every address here; the test reaches it over loopback. */
const local = (app: RunningApp) => `http://127.0.0.1:${new URL(app.url).port}`;

describe('the playground beyond loopback (HOST is not a loopback address)', () => {
  it('is off without PLAYGROUND_TOKEN: no page, no API, and /healthz still answers', async () => {
    const app = await serve({ HOST: '0.0.0.0' });
    const base = local(app);
    expect((await fetch(`${base}/`)).status).toBe(404);
    const form = new FormData();
    form.set('session', 'session-123456');
    form.set('text', 'brighter');
    expect((await fetch(`${base}/api/message`, { method: 'POST', body: form })).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { checks: { name: string; state: string; detail: string }[] };
    expect(ready.checks.find((c) => c.name === 'playground')).toMatchObject({ state: 'off', detail: expect.stringMatching(/PLAYGROUND_TOKEN/) });
  });

  it('with PLAYGROUND_TOKEN, refuses every request without the token and lets the token holder in', async () => {
    const app = await serve({ HOST: '0.0.0.0', PLAYGROUND_TOKEN: 'tok-0123456789' });
    const base = local(app);
    for (const [method, route] of [
      ['GET', '/'],
      ['GET', '/api/status'],
      ['GET', '/api/events?session=session-123456'],
      ['POST', '/api/action'],
      ['POST', '/api/message'],
      ['GET', '/api/images/i_0'],
    ] as const) {
      const res = await fetch(`${base}${route}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status, `${method} ${route}`).toBe(401);
      await res.arrayBuffer();
    }
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);

    // Opened once with the token: the browser keeps it as a cookie and the address bar loses it.
    const opened = await fetch(`${base}/?token=tok-0123456789&lang=en`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/?lang=en');
    const cookie = opened.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/);
    const api = await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer tok-0123456789' } });
    expect(api.status).toBe(200);
  });
});

describe('the playground keeps photos within a byte budget', () => {
  it('40 large uploads: what it holds stays within the budget, and refused uploads are never kept', async () => {
    const budget = 24 * 1024 * 1024;
    const bot = createWebBot({ status: async () => [], host: '127.0.0.1', limits: { maxPixels: 50_000_000, maxBytes: 50 * 1024 * 1024 }, imageBudgetBytes: budget });
    const engine: StubEngine = { handleMessage: async () => {}, handleAction: async () => {} };
    const http = new HttpServer();
    const running = await runBot(bot, { engine, http });
    const { port } = await http.listen('127.0.0.1', 0);
    try {
      // Noise does not compress: each PNG is about 3 MB.
      const big = await sharp(Buffer.from(Array.from({ length: 1000 * 1000 * 3 }, (_, i) => (i * 2654435761) >>> 24)), { raw: { width: 1000, height: 1000, channels: 3 } })
        .png({ compressionLevel: 0 })
        .toBuffer();
      expect(big.length).toBeGreaterThan(2_500_000);
      let peak = 0;
      for (let i = 0; i < 40; i++) {
        const form = new FormData();
        form.set('session', 'session-mem-0001');
        form.set('text', 'brighter');
        form.append('images', new Blob([big], { type: 'image/png' }), `big${i}.png`);
        const res = await fetch(`http://127.0.0.1:${port}/api/message`, { method: 'POST', body: form });
        expect(res.status).toBe(202);
        peak = Math.max(peak, bot.adapter.memory.bytes);
      }
      expect(peak).toBeLessThanOrEqual(budget);
      expect(bot.adapter.memory.count).toBeLessThan(40);

      // A refused upload (not a photo at all) leaves nothing behind.
      const before = bot.adapter.memory;
      const form = new FormData();
      form.set('session', 'session-mem-0001');
      form.append('images', new Blob([Buffer.alloc(2_000_000, 7)], { type: 'image/png' }), 'fake.png');
      expect((await fetch(`http://127.0.0.1:${port}/api/message`, { method: 'POST', body: form })).status).toBe(202);
      expect(bot.adapter.memory).toEqual(before);
    } finally {
      await running.stop();
      await http.close();
    }
  });
});
