import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { readEnv } from '../../src/config/env.js';
import type { Command, ExecuteRequest, ExecuteResult, Executor, Planner, Segmentation } from '../../src/engine/deps.js';
import { createEngine, memoryStore, MemoryBlobStore } from '../../src/engine/index.js';
import { engineOptions } from '../support/engine-fakes.js';
import type { LabelMap } from '../../src/core/types.js';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';
import { APP_ID, APP_SECRET, BOT_OPEN_ID, cardActionEvent, messageEvent, signedRequest, startFakeFeishu, type FakeFeishu } from './fake-feishu.js';

/**
 * The real engine behind the Feishu adapter, with in-test fakes below it (segmentation, planner,
 * executor): the conversation a Feishu user has, end to end through the real SDK.
 */

const LABELS = ['Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes'];

const segmentation: Segmentation = {
  labels: LABELS,
  async segment(image: Buffer): Promise<LabelMap> {
    const { width = 1, height = 1 } = await sharp(image).metadata();
    const data = new Uint8Array(width * height);
    data.fill(4, Math.floor((width * height) / 2));
    return { width, height, data, labels: LABELS };
  },
};

const planner: Planner = {
  name: 'keywords',
  async plan(req) {
    const commands: Command[] = [];
    if (/背景/.test(req.instruction)) commands.push({ command: 'change', args: { labels: ['Background'], prompt: 'beach' } });
    if (/上衣|亮/.test(req.instruction)) commands.push({ command: 'adjust', args: { labels: ['*'], brightness: 40, contrast: 0, saturation: 0 } });
    return { commands, rejected: [], planner: 'keywords' };
  },
};

/** Brightens every pixel by 40 per command: the result is visibly different from the photo. */
const executor: Executor = {
  needsSegmentation: () => false,
  async execute(req: ExecuteRequest): Promise<ExecuteResult> {
    req.onProgress?.({ fraction: 0.5, stage: 'half' });
    const { data, info } = await sharp(req.image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i++) data[i] = Math.min(255, data[i]! + 40 * req.commands.length);
    return { image: { data, width: info.width, height: info.height, channels: 3 }, applied: req.commands, skipped: [], advice: [], backend: 'test' };
  },
};

async function meanRed(png: Buffer): Promise<number> {
  return Math.round((await sharp(png).stats()).channels[0]!.mean);
}

interface CardButton {
  tag: string;
  behaviors?: { value: { a: string; s?: string } }[];
  img_key?: string;
}

function cardsOf(fake: FakeFeishu): { id: string; elements: CardButton[] }[] {
  const out: { id: string; elements: CardButton[] }[] = [];
  for (const m of fake.messages.values()) {
    if (m.msg_type !== 'interactive') continue;
    const flat: CardButton[] = [];
    const walk = (list: unknown): void => {
      if (!Array.isArray(list)) return;
      for (const el of list as (CardButton & { elements?: unknown; columns?: unknown })[]) {
        flat.push(el);
        walk(el.elements);
        walk(el.columns);
      }
    };
    walk((JSON.parse(m.content) as { body: { elements: unknown } }).body.elements);
    out.push({ id: m.message_id, elements: flat });
  }
  return out;
}

function findButton(fake: FakeFeishu, verb: string): { card: string; value: { a: string; s?: string } } | undefined {
  for (const card of cardsOf(fake)) {
    for (const el of card.elements) {
      const value = el.behaviors?.[0]?.value;
      if (el.tag === 'button' && value?.a.endsWith(`.${verb}`)) return { card: card.id, value };
    }
  }
  return undefined;
}

function imagesShown(fake: FakeFeishu): Buffer[] {
  return cardsOf(fake)
    .flatMap((c) => c.elements.filter((e) => e.tag === 'img' && e.img_key).map((e) => fake.uploads.get(e.img_key!)))
    .filter((b): b is Buffer => Boolean(b));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setupRealEngine(mode: 'ws' | 'webhook'): Promise<{ fake: FakeFeishu; push: (payload: Record<string, unknown>) => Promise<unknown> }> {
  const fake = await startFakeFeishu();
  cleanups.push(() => fake.close());
  const engine = await createEngine(engineOptions({
    env: readEnv({ DATA_DIR: '/nonexistent-feishu-test-dir' }),
    store: memoryStore(),
    blobs: new MemoryBlobStore(),
    segmentation,
    planner,
    suggester: null,
    executor,
    catalog: {
      toWire: (c) => ({ command: c.command, paras: Object.values(c.args) }),
      rule: (name) => ({ executor: name === 'change' ? 'generative' : 'local' }),
    },
    renderOverlay: null,
    config: { jobs: { progressIntervalMs: 0 } } as never,
  }));
  const http = new HttpServer();
  const key = 'engine-session-key';
  const env = readEnv({
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: APP_SECRET,
    FEISHU_DOMAIN: fake.url,
    FEISHU_MODE: mode,
    FEISHU_ENCRYPT_KEY: key,
    FEISHU_VERIFICATION_TOKEN: 'verify-token',
  });
  const bot = await startTestBot('feishu', { env, engine, http, logger: getLogger() });
  cleanups.push(() => bot.stop());

  let push: (payload: Record<string, unknown>) => Promise<unknown>;
  if (mode === 'ws') {
    await vi.waitFor(() => expect(fake.wsConnections()).toBe(1), { timeout: 10_000 });
    push = async (payload) => (await fake.pushWs(payload)).data ?? {};
  } else {
    const addr = await http.listen('127.0.0.1', 0);
    cleanups.push(() => http.close());
    push = async (payload) => {
      const card = (payload.header as { event_type: string }).event_type === 'card.action.trigger';
      const req = signedRequest(payload, { encryptKey: key });
      const res = await fetch(`http://127.0.0.1:${addr.port}${card ? '/feishu/card' : '/feishu/events'}`, { method: 'POST', ...req });
      expect(res.status).toBe(200);
      return res.json();
    };
  }

  return { fake, push };
}

async function runWithRealEngine(mode: 'ws' | 'webhook'): Promise<void> {
  const { fake, push } = await setupRealEngine(mode);
  const photo = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 100, g: 90, b: 80 } } }).png().toBuffer();
  fake.messages.set('om_u1', { message_id: 'om_u1', chat_id: 'oc_group_1', msg_type: 'post', content: '{}' });
  fake.resources.set('om_u1/img_u1', photo);
  await push(
    messageEvent({
      eventId: `ev_${mode}_1`,
      messageId: 'om_u1',
      messageType: 'post',
      content: {
        title: '',
        content: [
          [
            { tag: 'at', user_id: '@_user_1', user_name: 'Photo Bot' },
            { tag: 'text', text: ' 将背景更换为海滩，上衣改为白色' },
          ],
          [{ tag: 'img', image_key: 'img_u1' }],
        ],
      },
      mentions: [{ key: '@_user_1', openId: BOT_OPEN_ID, name: 'Photo Bot' }],
    }),
  );

  // The proposal: a card in the reply chain with one button per command, the select, and "Run all".
  await vi.waitFor(() => expect(findButton(fake, 'all')).toBeDefined(), { timeout: 10_000 });
  expect(fake.sent.every((m) => m.root_id === 'om_u1')).toBe(true);
  const runAll = findButton(fake, 'all')!;
  expect(runAll.value.s).toMatch(/\.pick$/);
  const proposal = cardsOf(fake).find((c) => c.id === runAll.card)!;
  expect(proposal.elements.some((e) => e.tag === 'multi_select_static')).toBe(true);
  expect(proposal.elements.filter((e) => e.tag === 'button' && /\.run\d+$/.test(e.behaviors?.[0]?.value.a ?? ''))).toHaveLength(2);

  // Someone else's click is refused with an "only visible to you" card in the group, nothing public.
  const publicBefore = fake.sent.length;
  await push(cardActionEvent({ eventId: `ev_${mode}_stranger`, messageId: runAll.card, value: runAll.value, operator: 'ou_stranger' }));
  await vi.waitFor(() => expect(fake.ephemeral).toHaveLength(1));
  expect(fake.ephemeral[0]).toMatchObject({ chat_id: 'oc_group_1', open_id: 'ou_stranger' });
  expect(JSON.stringify(fake.ephemeral[0].card)).toContain('这些按钮属于');
  expect(fake.sent).toHaveLength(publicBefore);

  // Run all → toast at once; the edited photo arrives, brighter than the original.
  const toast = (await push(cardActionEvent({ eventId: `ev_${mode}_click1`, messageId: runAll.card, value: runAll.value, formValue: {} }))) as { toast?: { type: string } };
  expect(toast.toast?.type).toBe('info');
  const originalRed = await meanRed(photo);
  await vi.waitFor(
    async () => {
      const reds = await Promise.all(imagesShown(fake).map(meanRed));
      expect(reds.some((r) => r >= originalRed + 60)).toBe(true);
    },
    { timeout: 10_000 },
  );

  // The whole request is one card: the acknowledgement, patched into the proposal, the progress
  // (with the chosen action marked and the other buttons gone) and the result.
  const cards = fake.sent.filter((m) => m.root_id === 'om_u1');
  expect(cards).toHaveLength(1);
  expect(cards[0]!.message_id).toBe(runAll.card);
  const patched = fake.patches.filter((p) => p.message_id === runAll.card).map((p) => p.content);
  expect(patched.some((c) => c.includes('✓ ') && c.includes('"disabled":true'))).toBe(true);
  const first = fake.requests('/open-apis/im/v1/messages/om_u1/reply')[0]!.json as { content: string };
  expect(JSON.parse(first.content).body.elements[0].text.content).toMatch(/^收到/);

  // Undo → the same card shows the photo as it was.
  const undo = findButton(fake, 'undo')!;
  await push(cardActionEvent({ eventId: `ev_${mode}_click2`, messageId: undo.card, value: undo.value }));
  await vi.waitFor(
    async () => {
      const shown = imagesShown(fake);
      expect(Math.abs((await meanRed(shown.at(-1)!)) - originalRed)).toBeLessThanOrEqual(1);
    },
    { timeout: 10_000 },
  );
  expect(fake.sent.filter((m) => m.root_id === 'om_u1')).toHaveLength(1);
  expect(fake.rateLimited).toEqual([]);
}

async function photoMessage(fake: FakeFeishu, id: string, o: { chatId?: string } = {}): Promise<void> {
  const photo = await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
  fake.messages.set(id, { message_id: id, chat_id: o.chatId ?? 'oc_group_1', msg_type: 'image', content: JSON.stringify({ image_key: `img_${id}` }) });
  fake.resources.set(`${id}/img_${id}`, photo);
}

describe('Feishu adapter with the real engine', () => {
  it('long connection: photo + @mention → proposal card → Run all → edited photo → undo', async () => {
    await runWithRealEngine('ws');
  });

  it('webhook: the same conversation over signed, encrypted pushes', async () => {
    await runWithRealEngine('webhook');
  });
});

describe('Feishu in busy groups', () => {
  const mention = { key: '@_user_1', openId: BOT_OPEN_ID, name: 'Photo Bot' };

  it('seven people posting at once in one group all get their card, within 5 messages per second', async () => {
    const { fake, push } = await setupRealEngine('webhook');
    const users = Array.from({ length: 7 }, (_, i) => i);
    for (const i of users) await photoMessage(fake, `om_busy_${i}`);
    await Promise.all(
      users.map((i) =>
        push(
          messageEvent({
            eventId: `ev_busy_${i}`,
            messageId: `om_busy_${i}`,
            sender: `ou_user_${i}`,
            messageType: 'post',
            content: { title: '', content: [[{ tag: 'at', user_id: '@_user_1', user_name: 'Photo Bot' }, { tag: 'text', text: ' 调亮一点' }], [{ tag: 'img', image_key: `img_om_busy_${i}` }]] },
            mentions: [mention],
          }),
        ),
      ),
    );
    await vi.waitFor(() => expect(users.every((i) => fake.sent.some((m) => m.root_id === `om_busy_${i}`))).toBe(true), { timeout: 15_000 });
    expect(fake.rateLimited).toEqual([]);
    // One card per request.
    for (const i of users) expect(fake.sent.filter((m) => m.root_id === `om_busy_${i}`)).toHaveLength(1);
  });

  it('a send refused with 230020 (other bots filled the group\'s second) is retried and arrives', async () => {
    const { fake, push } = await setupRealEngine('webhook');
    await photoMessage(fake, 'om_full');
    fake.occupy('oc_group_1', 5);
    await push(
      messageEvent({
        eventId: 'ev_full',
        messageId: 'om_full',
        messageType: 'post',
        content: { title: '', content: [[{ tag: 'at', user_id: '@_user_1', user_name: 'Photo Bot' }, { tag: 'text', text: ' 调亮一点' }], [{ tag: 'img', image_key: 'img_om_full' }]] },
        mentions: [mention],
      }),
    );
    await vi.waitFor(() => expect(fake.sent.some((m) => m.root_id === 'om_full')).toBe(true), { timeout: 15_000 });
    expect(fake.rateLimited.length).toBeGreaterThan(0);
  });

  it('quotes the message that asked: a text reply with @bot to a photo is the one answered', async () => {
    const { fake, push } = await setupRealEngine('ws');
    await photoMessage(fake, 'om_pic');
    // The photo alone, no mention: nothing happens.
    await push(messageEvent({ eventId: 'ev_pic', messageId: 'om_pic', messageType: 'image', content: { image_key: 'img_om_pic' } }));
    fake.messages.set('om_ask', { message_id: 'om_ask', root_id: 'om_pic', parent_id: 'om_pic', chat_id: 'oc_group_1', msg_type: 'text', content: '{}' });
    await push(messageEvent({ eventId: 'ev_ask', messageId: 'om_ask', rootId: 'om_pic', parentId: 'om_pic', messageType: 'text', content: { text: '@_user_1 调亮一点' }, mentions: [mention] }));
    await vi.waitFor(() => expect(fake.sent.length).toBeGreaterThan(0), { timeout: 10_000 });
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ parent_id: 'om_ask', root_id: 'om_pic' });
    // A reply to the bot's card, without a mention, is addressed to the bot too.
    await vi.waitFor(() => expect(findButton(fake, 'all') ?? findButton(fake, 'run0')).toBeDefined(), { timeout: 10_000 });
  });
});
