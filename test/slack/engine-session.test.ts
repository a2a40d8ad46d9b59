import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import Keyv from 'keyv';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { signSlackRequest } from '../support/slack-signing.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { createEngine, MemoryBlobStore, type Engine } from '../../src/engine/index.js';
import { engineOptions } from '../support/engine-fakes.js';
import type { LabelMap } from '../../src/core/types.js';
import { APP_TOKEN, BOT_TOKEN, FakeSlack, blockActions, eventEnvelope, mentionEvent, type PostedMessage } from './fake-slack.js';
import { solidPng } from './scripted-engine.js';
import { controls, latest } from './session-helpers.js';

/**
 * The real engine behind the real Bolt app, with in-test planner / segmentation / executor:
 * everything a Slack user sees comes from the engine's own replies rendered by the adapter.
 */
const LABELS = ['Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes'];
const SECRET = 'engine-session-secret';

let fake: FakeSlack;
let photo: Buffer;
let dataDir: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  photo = await solidPng(40, 30, [20, 140, 220]);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'slack-engine-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function realEngine(): Promise<Engine> {
  return createEngine(engineOptions({
    env: readEnv({ DATA_DIR: dataDir }),
    store: new Keyv(),
    blobs: new MemoryBlobStore(),
    segmentation: {
      labels: LABELS,
      async segment(image: Buffer): Promise<LabelMap> {
        const { width = 0, height = 0 } = await sharp(image).metadata();
        const data = new Uint8Array(width * height);
        data.fill(4, Math.floor((width * height) / 2));
        return { width, height, data, labels: LABELS };
      },
    },
    planner: {
      name: 'fake',
      plan: async () => ({
        commands: [
          { command: 'recolor', args: { labels: ['Background'], color: '#ffcc00' } },
          { command: 'grayscale', args: { labels: ['Upper-clothes'] } },
        ],
        rejected: [],
        planner: 'fake',
      }),
    },
    suggester: null,
    catalog: null,
    renderOverlay: async () => solidPng(40, 30, [255, 0, 255]),
    encodeForUpload: async (img) => ({
      data: await sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } }).png().toBuffer(),
      mimeType: 'image/png',
      filename: 'edited.png',
    }),
    executor: {
      needsSegmentation: () => true,
      execute: async (req) => {
        const { data, info } = await sharp(req.image).negate({ alpha: false }).raw().toBuffer({ resolveWithObject: true });
        return { image: { data, width: info.width, height: info.height, channels: info.channels as 3 }, applied: req.commands, skipped: [], advice: [], backend: 'fake' };
      },
    },
    config: { jobs: { progressIntervalMs: 0 } } as never,
  }));
}

function buttonByLabel(m: PostedMessage, label: string): string {
  const el = controls(m).find((e) => e.type === 'button' && e.text.text === label);
  if (!el) throw new Error(`no button "${label}" in ${JSON.stringify(controls(m).map((e) => e.text?.text))}`);
  return el.action_id as string;
}

async function runSession(opts: { channel: string; deliver: (envelope: Record<string, unknown>) => Promise<void>; idle: () => Promise<void> }) {
  const { channel } = opts;
  const root = fake.nextTs();
  const file = fake.addUserFile(photo, 'person.png');
  await opts.deliver(eventEnvelope(mentionEvent({ channel, ts: root, text: 'make the background yellow and the shirt gray', files: [file] })));
  await opts.idle();

  // One card in the thread: the acknowledgement, edited into the proposal (one button per command,
  // Run all, the multi-select). The parts are listed in it; no overlay file costs a message of its own.
  const cards = fake.messages.filter((m) => m.channel === channel && m.thread_ts === root && m.method === 'chat.postMessage');
  expect(cards.map((m) => m.text)).toEqual(['Got it, looking at your photo…']);
  const card = cards[0]!;
  const proposal = latest(fake, card.ts);
  const select = controls(proposal).find((e) => e.type === 'multi_static_select')!;
  expect(select.options).toHaveLength(2);
  expect(JSON.stringify(proposal.blocks)).toContain('Background');
  expect(fake.completedUploads().some((u) => u.channel_id === channel && u.thread_ts === root)).toBe(false);

  // Run all → the same card shows what was chosen and the progress, then the result; the edited
  // photo is shared into the thread (Slack cannot attach a file to an edited message).
  await opts.deliver(blockActions({ message: proposal, threadTs: root, actionId: buttonByLabel(proposal, 'Run all') }));
  await opts.idle();
  const updates = fake.messages.filter((m) => m.method === 'chat.update' && m.ts === card.ts);
  expect(updates.some((u) => JSON.stringify(u.blocks).includes('✓ Run all'))).toBe(true);
  const result = fake.completedUploads().filter((u) => u.channel_id === channel && u.thread_ts === root).at(-1)!;
  const pixel = await sharp(result.bytes).raw().toBuffer();
  expect([...pixel.subarray(0, 3)]).toEqual([255 - 20, 255 - 140, 255 - 220]);
  // No alt text on getUploadURLExternal; the description is the file message's text.
  expect(result.altText).toBeUndefined();
  expect(result.initialComment).toMatch(/^Edited photo/);
  const final = latest(fake, card.ts);
  expect(final.text).toMatch(/^Done: /);
  // The whole request left two messages in the thread: the card and the photo.
  expect(fake.threadMessages(channel, root).map((m) => m.kind)).toEqual(['card', 'file']);
  const undoId = buttonByLabel(final, 'Undo');

  // Undo → the card says so, and the original photo comes back into the thread.
  const before = fake.completedUploads().length;
  await opts.deliver(blockActions({ message: final, threadTs: root, actionId: undoId }));
  await opts.idle();
  if (process.env.SLACK_TEST_DUMP) console.log(fake.messages.filter((m) => m.channel === channel).map((m) => `${m.method} ${m.ts} ${m.text} [${controls(m).map((e) => e.text?.text ?? e.type).join('|')}]`).join('\n'));
  const restored = fake.completedUploads().slice(before).find((u) => u.thread_ts === root);
  expect(restored).toBeDefined();
  const restoredPixel = await sharp(restored!.bytes).raw().toBuffer();
  expect([...restoredPixel.subarray(0, 3)]).toEqual([20, 140, 220]);
  expect(latest(fake, card.ts).text).toMatch(/^Went back one step/);
  expect(fake.violations).toEqual([]);
}

/** Choosing in the multi-select, then "Run selected", runs only the chosen edit. */
async function runSelected(opts: { channel: string; deliver: (envelope: Record<string, unknown>) => Promise<void>; idle: () => Promise<void> }) {
  const { channel } = opts;
  const root = fake.nextTs();
  await opts.deliver(eventEnvelope(mentionEvent({ channel, ts: root, text: 'yellow background, gray shirt', files: [fake.addUserFile(photo)] })));
  await opts.idle();
  const card = fake.messages.find((m) => m.channel === channel && m.thread_ts === root && m.method === 'chat.postMessage')!;
  const proposal = latest(fake, card.ts);
  const select = controls(proposal).find((e) => e.type === 'multi_static_select')!;
  const shirt = (select.options as any[]).find((o) => /upper-clothes/i.test(o.text.text)).value as string;
  await opts.deliver(blockActions({ message: proposal, threadTs: root, actionId: select.action_id, selected: [shirt] }));
  await opts.idle();
  await opts.deliver(blockActions({ message: proposal, threadTs: root, actionId: buttonByLabel(proposal, 'Run selected') }));
  await opts.idle();
  const done = fake.messages.filter((m) => m.channel === channel && m.method === 'chat.update').at(-1)!;
  expect(done.text).toMatch(/upper-clothes/i);
  expect(done.text).not.toMatch(/background/i);
}

describe('a whole Slack session with the real engine', () => {
  it('works over HTTP events', async () => {
    const engine = await realEngine();
    const http = new HttpServer();
    const addr = await http.listen('127.0.0.1', 0);
    const bot = (await startTestBot('slack', { env: readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), engine, http, logger: getLogger() }));
    try {
      const deliverHttp = async (body: Record<string, unknown>) => {
        const isAction = body.type === 'block_actions';
        const raw = isAction ? new URLSearchParams({ payload: JSON.stringify(body) }).toString() : JSON.stringify(body);
        const ts = String(Math.floor(Date.now() / 1000));
        const res = await fetch(`http://127.0.0.1:${addr.port}/slack/events`, {
          method: 'POST',
          headers: { 'content-type': isAction ? 'application/x-www-form-urlencoded' : 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, raw) },
          body: raw,
        });
        expect(res.status).toBe(200);
      };
      const idle = async () => {
        await bot.idle();
        await engine.idle();
      };
      await runSelected({ channel: 'C0ENGSEL', deliver: deliverHttp, idle });
      await runSession({ channel: 'C0ENGHTTP', deliver: deliverHttp, idle });
    } finally {
      await bot.stop();
      await engine.close();
      await http.close();
    }
  });

  it('works in Socket Mode', async () => {
    const engine = await realEngine();
    const http = new HttpServer();
    const bot = (await startTestBot('slack', { env: readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl }), engine, http, logger: getLogger() }));
    try {
      await bot.ready();
      await runSession({
        channel: 'C0ENGSOCK',
        deliver: async (body) => {
          await fake.sendEnvelope(body.type === 'block_actions' ? 'interactive' : 'events_api', body);
        },
        idle: async () => {
          await bot.idle();
          await engine.idle();
        },
      });
    } finally {
      await bot.stop();
      await engine.close();
    }
  });
});
