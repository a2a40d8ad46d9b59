import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, BIN } from '../helpers/build.js';

let child: ChildProcess;
let url = '';
let stderr = '';

beforeAll(async () => {
  await ensureBuilt();
  const home = mkdtempSync(path.join(os.tmpdir(), 'cie-home-'));
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'cie-cwd-'));
  // Nothing but PATH and HOME (plus a free port), from a foreign working directory, stdin closed.
  child = spawn(process.execPath, [BIN, 'serve'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: home, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}\n${stdout}`)), 45_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /playground: (http:\/\/[^\s/]+)\//.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
}, 60_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('serve', () => {
  it('prints the playground URL and what else can be enabled', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stderr).toMatch(/Enable more with: .*OPENAI_API_KEY/);
  });

  it('tells the terminal about the parts model it fetches on the first start (progress, or what went wrong and the fix)', async () => {
    // Whatever the network here: the download's progress, or the offline sentence with its one fix.
    await expect.poll(() => stderr, { timeout: 30_000 }).toMatch(/Downloading the parts model segformer_b2_clothes: \d+ % of 110 MB|The parts model segformer_b2_clothes could not be downloaded: .* Fix: set HF_ENDPOINT/);
  });

  it('answers liveness, readiness, metrics and the playground page', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect([200, 503]).toContain(ready.status);
    const readyBody = (await ready.json()) as { checks: unknown[] };
    expect(Array.isArray(readyBody.checks)).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('cie_events_total');
    const page = await fetch(`${url}/`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('试用台');
  });

  it('refuses unknown routes and wrong methods with the right status', async () => {
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
