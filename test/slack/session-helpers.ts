import { expect } from 'vitest';
import type { FakeSlack, PostedMessage } from './fake-slack.js';

/** Waits until `check` stops throwing (deliveries are asynchronous); fails with its last error. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export function controls(message: PostedMessage): Record<string, any>[] {
  return message.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Record<string, any>[]);
}

/** The latest state of a bot message (after chat.update calls). */
export function latest(fake: FakeSlack, ts: string): PostedMessage {
  const all = fake.messages.filter((m) => m.ts === ts);
  expect(all.length).toBeGreaterThan(0);
  return all[all.length - 1];
}

/** Checks the proposal card a user sees after mentioning the bot with a photo. */
export function expectProposalCard(fake: FakeSlack, channel: string, threadTs: string, photo: Buffer): PostedMessage {
  const card = fake.messages.find((m) => m.method === 'chat.postMessage' && m.channel === channel && m.thread_ts === threadTs);
  expect(card, 'proposal posted in the thread').toBeDefined();
  const els = controls(card!);
  expect(els.filter((e) => e.type === 'button').map((e) => e.action_id)).toEqual(['run-all:abc', 'suggest:abc', 'undo:abc']);
  expect(els.find((e) => e.action_id === 'run-all:abc')?.style).toBe('primary');
  const select = els.find((e) => e.type === 'multi_static_select');
  expect(select?.action_id).toBe('pick:abc');
  expect(select?.options.map((o: any) => o.text.text)).toEqual(['change Background → beach', 'recolor Upper-clothes → white']);
  expect(card!.blocks[0].text.text).toContain('Pick the edits');
  expect(JSON.stringify(card!.blocks)).toContain('Background 62%');
  // The overlay went into the same thread, before the card.
  const overlay = fake.completedUploads().find((u) => u.filename === 'overlay.png' && u.channel_id === channel && u.thread_ts === threadTs);
  expect(overlay, 'overlay uploaded into the thread').toBeDefined();
  expect(overlay!.bytes.equals(photo)).toBe(true);
  return card!;
}
