import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { ROOT } from '../helpers/build.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const OUTPUT = path.join(ROOT, 'test-output');

let app: RunningApp;
let browser: Browser;
let page: Page;
let appEnv: NodeJS.ProcessEnv;

/** A photo with structure (a bright subject on a dark background) so edits are visible in pixels. */
async function makePhoto(): Promise<Buffer> {
  const width = 320;
  const height = 240;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#2d6cdf"/><circle cx="160" cy="120" r="70" fill="#f2c14e"/>
    <rect x="120" y="170" width="80" height="70" fill="#c0392b"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer();
}

async function imageMean(src: string): Promise<number> {
  const res = await fetch(new URL(src, app.url));
  const stats = await sharp(Buffer.from(await res.arrayBuffer())).stats();
  return stats.channels.slice(0, 3).reduce((s, c) => s + c.mean, 0) / 3;
}

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cie-playground-'));
  appEnv = { PATH: process.env.PATH, HOME: os.tmpdir(), DATA_DIR: dataDir };
  app = await startApp({ env: appEnv, port: 0 });
  if (!CHROMIUM) throw new Error('chromium is not installed: run `apt-get install chromium` (.ci/run does it)');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 420, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('playground in a real browser', () => {
  it('uploads a photo, runs the proposed edit, shows the result and undoes it', async () => {
    await page.goto(`${app.url}/?lang=en`);
    const photo = await makePhoto();
    await page.setInputFiles('#file', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByLabel('Instruction').fill('make it brighter');
    await page.getByRole('button', { name: 'Send' }).click();

    // One proposed command gets its own button ("Adjust whole photo → brightness +25"); several get "Run all" too.
    const run = page.getByRole('button', { name: /run all|brightness/i }).first();
    await run.waitFor({ timeout: 20_000 });
    await run.click();

    // The result arrives as a new image in the bot's message, brighter than the original.
    const undo = page.getByRole('button', { name: /undo/i }).last();
    await undo.waitFor({ timeout: 20_000 });
    const botImages = page.locator('.msg.bot .imgs img');
    const resultSrc = await botImages.last().getAttribute('src');
    expect(resultSrc).toMatch(/^\/api\/images\//);
    const originalSrc = await page.locator('.msg.you .imgs img').first().getAttribute('src');
    expect(await imageMean(resultSrc!)).toBeGreaterThan((await imageMean(originalSrc!)) + 3);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'playground-result.png'), fullPage: true });

    await undo.click();
    // The engine answers the undo with "Went back one step…" and shows the previous photo again.
    const undone = page.locator('.msg.bot .text', { hasText: 'Went back one step' });
    await undone.first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(OUTPUT, 'playground-undo.png'), fullPage: true });
  }, 90_000);

  it('a reload shows the whole thread, and so does a restart of the service', async () => {
    // What the page shows of the conversation above: who said what, and the photos.
    const thread = async () =>
      page.$$eval('#log .msg', (nodes) =>
        nodes.map((n) => `${n.classList.contains('you') ? 'you' : 'bot'}|${n.querySelector('.text')?.textContent ?? ''}|${n.querySelectorAll('.imgs img').length}`),
      );
    const before = await thread();
    expect(before.filter((l) => l.startsWith('you|'))).toEqual(['you|make it brighter|1']);
    expect(before.some((l) => /^bot\|Went back one step/.test(l))).toBe(true);

    const waitFor = async (want: string[]) => {
      await page.locator('#log .msg').nth(want.length - 1).waitFor({ timeout: 20_000 });
      expect(await thread()).toEqual(want);
    };
    await page.reload();
    await waitFor(before);

    // A restart on the same DATA_DIR and port (the browser keeps its session id per origin).
    const port = Number(new URL(app.url).port);
    await app.stop();
    app = await startApp({ env: appEnv, port });
    await page.reload();
    await waitFor(before);
    // The photos come back from the image store.
    const src = await page.locator('.msg.you .imgs img').first().getAttribute('src');
    expect((await fetch(new URL(src!, app.url))).status).toBe(200);
  }, 90_000);
});
