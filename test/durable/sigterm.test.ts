import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../helpers/build.js';
import { BOT_TOKEN, FakeSlack, eventEnvelope, mentionEvent } from '../slack/fake-slack.js';
import { signSlackRequest } from '../support/slack-signing.js';

const SECRET = 'durable-signing-secret';
const SHUTDOWN_MS = 2000;
const EVENTS = 50;

interface Serve {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** `serve` as an operator runs it: the built CLI, Slack over HTTP against the loopback fake, state under DATA_DIR. */
async function serve(dataDir: string, configFile: string, fake: FakeSlack): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH,
      HOME: dataDir,
      PORT: '0',
      DATA_DIR: dataDir,
      CONFIG_FILE: configFile,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      HF_ENDPOINT: 'http://127.0.0.1:9',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /playground: (http:\/\/[^\s/]+)\//.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code }) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr, exited };
}

/** Slack delivering one event: resolves with our HTTP answer. */
async function deliver(url: string, body: Record<string, unknown>): Promise<Response> {
  const raw = JSON.stringify(body);
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SECRET, ts, raw) },
    body: raw,
  });
}

async function until(what: string, ok: () => boolean, ms: number, log: () => string = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let fake: FakeSlack;
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureBuilt();
  fake = await FakeSlack.start();
}, 120_000);
afterAll(async () => {
  await fake?.close();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The bot's answers in each thread (its posts, public or ephemeral), by the event's ts. */
function answers(threads: string[]): Map<string, number> {
  const count = new Map(threads.map((t) => [t, 0]));
  for (const m of fake.messages) {
    if (m.method === 'chat.update') continue;
    const t = m.thread_ts ?? '';
    if (count.has(t)) count.set(t, count.get(t)! + 1);
  }
  return count;
}

/**
 * 50 mentions (each in its own new thread, each answered with one post) are acknowledged, then the
 * process is stopped while the slow Slack still holds their answers. After a restart on the same
 * DATA_DIR, every acknowledged event has exactly one answer, and those refused meanwhile (503)
 * are answered once when Slack sends them again.
 */
async function scenario(stop: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cie-durable-'));
  dirs.push(dataDir);
  const configFile = path.join(dataDir, 'config.yaml');
  writeFileSync(configFile, `engine:\n  shutdownMs: ${SHUTDOWN_MS}\n`);
  fake.delayMs = 2500;
  const first = await serve(dataDir, configFile, fake);
  children.push(first.child);

  const channel = `C${stop.slice(3)}`;
  const events = Array.from({ length: EVENTS }, () => eventEnvelope(mentionEvent({ channel, ts: fake.nextTs(), text: 'hello there' })));
  const threadOf = (e: Record<string, unknown>) => String((e.event as { ts: string }).ts);
  const statuses = await Promise.all(events.map(async (e) => (await deliver(first.url, e)).status));
  const acked = events.filter((_, i) => statuses[i] === 200).map(threadOf);
  expect(acked).toHaveLength(EVENTS);
  // The answers are on their way to the slow Slack.
  await until('answers in flight', () => fake.messages.filter((m) => m.channel === channel).length > 0, 10_000, first.stderr);

  const refused: Record<string, unknown>[] = [];
  const stoppedAt = Date.now();
  first.child.kill(stop);
  if (stop === 'SIGTERM') {
    // Step 1 of the shutdown: out of the load balancer at once (once the signal is handled), alive until the exit, new events refused.
    let ready = 200;
    for (let i = 0; i < 40 && ready !== 503; i++) {
      ready = (await fetch(`${first.url}/readyz`)).status;
      if (ready !== 503) await new Promise((r) => setTimeout(r, 25));
    }
    expect(ready).toBe(503);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    const late = eventEnvelope(mentionEvent({ channel, ts: fake.nextTs(), text: 'hello late' }));
    const res = await deliver(first.url, late);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    refused.push(late);
  }
  const exit = await first.exited;
  if (stop === 'SIGTERM') {
    expect(exit.code).toBe(0);
    expect(exit.at - stoppedAt).toBeLessThan(SHUTDOWN_MS + 5000);
    expect(first.stderr()).not.toMatch(/SQLITE_MISUSE|Napi::Error|Something went wrong/);
  } else expect(exit.signal).toBe('SIGKILL');

  // The restart: Slack is quicker now, and sends again what was not acknowledged.
  fake.delayMs = 100;
  const second = await serve(dataDir, configFile, fake);
  children.push(second.child);
  for (const e of refused) expect((await deliver(second.url, e)).status).toBe(200);
  const all = [...acked, ...refused.map(threadOf)];
  await until('every event answered', () => [...answers(all).values()].every((n) => n >= 1), 30_000, second.stderr);
  // Nothing else arrives later: no event is answered twice.
  await new Promise((r) => setTimeout(r, 1500));
  const counts = answers(all);
  const lost = [...counts].filter(([, n]) => n === 0).length;
  const duplicated = [...counts].filter(([, n]) => n > 1).length;
  expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });

  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
}

describe('nothing acknowledged is ever lost (serve against a slow Slack)', () => {
  it('SIGTERM during 50 in-flight events: exit 0 within shutdownMs + 5 s; after a restart every acknowledged event has exactly one answer', async () => {
    await scenario('SIGTERM');
  }, 90_000);

  it('kill -9 during 50 in-flight events: after a restart every acknowledged event has exactly one answer', async () => {
    await scenario('SIGKILL');
  }, 90_000);
});
