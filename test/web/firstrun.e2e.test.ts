import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { ROOT, ensureBuilt } from '../helpers/build.js';
import { startFakeServer, type FakeServer } from '../fakes/http.js';
import { tinySegformer } from '../segment/fixtures/onnx.js';
import { ATR } from '../segment/helpers.js';

/**
 * Issue 16, the first five minutes: a fresh install (empty DATA_DIR) whose parts model comes from
 * a hub mirror (HF_ENDPOINT) slowly, in chunks. The playground shows the download; a part edit
 * sent meanwhile is answered as queued and then runs by itself; nothing claims the bot did not
 * understand; the zh-CN page answers a Chinese instruction without English words; a reload keeps
 * the user's own messages and photos.
 */

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const OUTPUT = path.join(ROOT, 'test-output');
const MODEL = tinySegformer({ padding: 400_000 });
const SHA = createHash('sha256').update(MODEL).digest('hex');
const MODEL_PATH = '/first-run/tiny-parts/resolve/main/model.onnx';
const CHUNK = 16_384;

let app: RunningApp;
let hub: FakeServer;
let browser: Browser;
let release!: () => void;
const released = new Promise<void>((r) => (release = r));
const missing: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The hub mirror: the model in 16 KB chunks, 40 ms apart, up to half; then a byte a second (a slow
 * link, never a stall) until the test lets it go; then the rest.
 */
async function startHub(): Promise<FakeServer> {
  return startFakeServer(async (req, res) => {
    if (req.path !== MODEL_PATH) {
      res.writeHead(404);
      return void res.end();
    }
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(MODEL.length - start),
      ...(range ? { 'content-range': `bytes ${start}-${MODEL.length - 1}/${MODEL.length}` } : {}),
    });
    let at = start;
    let free = false;
    void released.then(() => (free = true));
    while (at < MODEL.length && !res.destroyed) {
      if (at >= MODEL.length / 2 && !free) {
        res.write(MODEL.subarray(at, at + 1));
        at += 1;
        await Promise.race([sleep(1000), released]);
        continue;
      }
      const end = Math.min(MODEL.length, at + CHUNK, free ? MODEL.length : Math.ceil(MODEL.length / 2));
      res.write(MODEL.subarray(at, end));
      at = end;
      await sleep(free ? 5 : 40);
    }
    res.end();
  });
}

/** A person in a photo as the tiny model sees it: blue background, a grey face, a red shirt. */
async function makePhoto(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160">
    <rect width="100%" height="100%" fill="#0000ff"/><rect x="56" y="16" width="48" height="48" fill="#808080"/>
    <rect x="32" y="80" width="96" height="80" fill="#ff0000"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function pixel(src: string, x: number, y: number): Promise<number[]> {
  const res = await fetch(new URL(src, app.url));
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 3;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

async function send(page: Page, o: { text: string; photo?: Buffer; label: string; send: string }): Promise<void> {
  if (o.photo) await page.setInputFiles('#file', { name: 'me.png', mimeType: 'image/png', buffer: o.photo });
  await page.getByLabel(o.label).fill(o.text);
  await page.getByRole('button', { name: o.send, exact: true }).click();
}

beforeAll(async () => {
  await ensureBuilt(); // the segmenter's worker runs from dist/
  if (!CHROMIUM) throw new Error('chromium is not installed: run `apt-get install chromium` (.ci/run does it)');
  hub = await startHub();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-first-run-'));
  const dataDir = path.join(dir, 'data');
  const config = path.join(dir, 'config.yaml');
  // The card names the public hub; HF_ENDPOINT sends the download to the mirror above.
  writeFileSync(
    config,
    [
      'models:',
      '  default: tiny_parts',
      '  cards:',
      '    tiny_parts:',
      '      description: a tiny stand-in for the parts model',
      '      file: tiny_parts.onnx',
      `      url: https://huggingface.co${MODEL_PATH}`,
      `      sha256: ${SHA}`,
      `      size: ${MODEL.length}`,
      '      input: { name: pixel_values, width: 64, height: 64, layout: NCHW, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }',
      '      output: { name: logits }',
      `      labels: [${ATR.join(', ')}]`,
      '',
    ].join('\n'),
  );
  app = await startApp({ env: { PATH: process.env.PATH, HOME: dir, DATA_DIR: dataDir, CONFIG_FILE: config, HF_ENDPOINT: hub.url }, port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  release?.();
  await browser?.close();
  await app?.stop();
  await hub?.close();
});

describe('the first start in a real browser', () => {
  it('shows the download, queues a part edit that then runs by itself, and keeps the user’s messages across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 1000 } });
    page.on('response', (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
    await page.goto(`${app.url}/?lang=en`);

    // The page shows the download's progress (percent and the bar), from the first start.
    const readiness = page.locator('#readiness');
    await readiness.waitFor({ state: 'visible', timeout: 20_000 });
    await expect.poll(() => readiness.innerText(), { timeout: 20_000 }).toMatch(/Downloading the parts model tiny_parts: [1-9]\d* % of/);
    expect(await page.locator('#readiness-bar').isVisible()).toBe(true);

    // An empty message gets an answer too.
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText('Write what to change, or choose a photo first.').waitFor({ timeout: 5_000 });

    // A part edit during the download: answered as queued, with the download's percentage.
    await send(page, { text: 'make the shirt blue', photo: await makePhoto(), label: 'Instruction', send: 'Send' });
    const reply = page.locator('.msg.bot', { hasText: 'Queued: Recolour top → #0000ff.' });
    await reply.waitFor({ timeout: 20_000 });
    expect(await reply.innerText()).toMatch(/Getting ready: downloading the parts model \(\d+ %\)… It runs by itself/);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'first-run-queued.png'), fullPage: true });

    // The model arrives: the queued edit runs by itself and its message becomes the result.
    release();
    const done = page.locator('.msg.bot', { hasText: 'Done: Recolour top → #0000ff.' });
    await done.waitFor({ timeout: 60_000 });
    const result = await done.locator('.imgs img').first().getAttribute('src');
    const shirt = await pixel(result!, 80, 130);
    expect(shirt[2]).toBeGreaterThan(shirt[0]! + 60); // the shirt is blue now
    expect(await pixel(result!, 5, 5)).toEqual([0, 0, 255]); // the background is as it was
    await readiness.waitFor({ state: 'hidden', timeout: 20_000 });
    await page.screenshot({ path: path.join(OUTPUT, 'first-run-done.png'), fullPage: true });

    // Without a generator, no proposal offers a generative command: a local equivalent instead.
    await send(page, { text: 'change the background to a beach', label: 'Instruction', send: 'Send' });
    const instead = page.locator('.msg.bot', { hasText: 'Instead' }).last();
    await instead.waitFor({ timeout: 20_000 });
    const offered = await instead.locator('button').allInnerTexts();
    expect(offered.some((l) => /^(Change|Face|Beautify|Swap face)/.test(l))).toBe(false);
    expect(offered).toContain('Blur background → strength +30');

    // No reply claimed it could not understand an instruction that was understood.
    for (const text of await page.locator('.msg.bot').allInnerTexts()) expect(text).not.toMatch(/could not turn|could not understand/i);

    // After a reload the user's own messages and photos are there.
    await page.reload();
    const mine = page.locator('.msg.you', { hasText: 'make the shirt blue' });
    await mine.waitFor({ timeout: 20_000 });
    const own = await mine.locator('.imgs img').first().getAttribute('src');
    expect(own).toMatch(/^\/api\/images\//);
    expect((await fetch(new URL(own!, app.url))).status).toBe(200);
    await page.locator('.msg.you', { hasText: 'change the background to a beach' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('.msg.bot', { hasText: 'Done: Recolour top → #0000ff.' }).count()).toBe(1);
    await page.close();
  }, 180_000);

  it('answers a Chinese instruction on the zh-CN page without English words', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 1000 } });
    page.on('response', (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
    await page.goto(`${app.url}/?lang=zh-CN`);
    await page.evaluate('localStorage.removeItem("cie-session")');
    await page.reload();
    await send(page, { text: '把背景变成黑白', photo: await makePhoto(), label: '指令', send: '发送' });
    const proposal = page.locator('.msg.bot', { hasText: '这是我理解的修改' });
    await proposal.waitFor({ timeout: 30_000 });
    const text = await proposal.innerText();
    expect(await proposal.locator('button').allInnerTexts()).toContain('黑白 背景');
    // Numbers and colour codes aside, not one English word.
    expect(text.replace(/#[0-9a-f]{3,8}/gi, '')).not.toMatch(/[A-Za-z]{2,}/);
    await page.screenshot({ path: path.join(OUTPUT, 'first-run-zh.png'), fullPage: true });
    await page.close();
    // The favicon and every other request of the page were there.
    expect(missing).toEqual([]);
  }, 90_000);
});
