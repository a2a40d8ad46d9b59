import sharp from 'sharp';
import type { StubEngine as StubEngineContract } from '../support/bot-harness.js';
import type { ActionEvent, ChatAdapter, CommandInvocation, IncomingMessage, ThreadRef } from '../../src/engine/types.js';

export async function solidPng(width: number, height: number, rgb: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: rgb } }).png().toBuffer();
}

/**
 * An EngineApi that records what the adapter hands it and answers like the engine would: a proposal
 * with an image, buttons and a select; "apply" edits the photo (brighter) and offers undo.
 */
export class StubEngine implements StubEngineContract {
  readonly commands: CommandInvocation[] = [];
  readonly actions: ActionEvent[] = [];
  readonly messages: IncomingMessage[] = [];
  readonly downloaded: Buffer[] = [];
  readonly fetchErrors: unknown[] = [];
  /** adapter.uploadLimit(thread) as seen when each command arrived. */
  readonly uploadLimits: number[] = [];
  readonly active = new Set<string>();
  private readonly originals = new Map<string, Buffer>();
  private waiters: (() => void)[] = [];

  private changed(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `predicate` holds (checked after every engine call finishes). */
  async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the engine');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async handleCommand(inv: CommandInvocation, adapter: ChatAdapter): Promise<void> {
    this.uploadLimits.push(adapter.uploadLimit(inv.thread));
    try {
      if (inv.name === 'status' || inv.name === 'settings') {
        await adapter.send(inv.thread, { text: 'All services up', locale: 'en', ephemeral: true });
        return;
      }
      let image: Buffer | undefined;
      try {
        image = inv.images[0] ? await adapter.download(inv.images[0]) : undefined;
      } catch (err) {
        this.fetchErrors.push(err);
      }
      if (!image) {
        await adapter.sendEphemeral(inv.thread, inv.user, { text: 'Attach a photo', locale: 'en', ephemeral: true });
        return;
      }
      this.downloaded.push(image);
      if (inv.text.includes('concurrently')) {
        // Replies sent without waiting for each other must still land in order: first fills the deferred reply.
        await Promise.all([adapter.send(inv.thread, { text: 'first', locale: 'en' }), adapter.send(inv.thread, { text: 'second', locale: 'en' })]);
        return;
      }
      this.originals.set(inv.thread.thread, image);
      this.active.add(key(inv.thread));
      await adapter.send(inv.thread, {
        text: `Proposal for: ${inv.text}`,
        locale: 'en',
        fields: [{ label: 'Parts', value: 'Background, Face' }],
        images: [{ data: image, filename: 'overlay.png', mimeType: 'image/png', alt: 'parts overlay' }],
        buttons: [[{ id: 'a_apply_0123456789abcdef', label: 'Apply', style: 'primary' }, { id: 'a_cancel_0123456789abcdef', label: 'Cancel', style: 'danger' }]],
        select: {
          id: 's_pick_0123456789abcdef',
          placeholder: 'Choose edits',
          options: [{ value: '0', label: 'brighter' }, { value: '1', label: 'blur background' }],
          minValues: 1,
          maxValues: 2,
        },
      });
    } finally {
      this.commands.push(inv);
      this.changed();
    }
  }

  async handleAction(action: ActionEvent, adapter: ChatAdapter): Promise<void> {
    try {
      const original = this.originals.get(action.thread.thread);
      if (action.actionId.startsWith('a_apply') && original && action.message) {
        await adapter.update(action.message, { text: 'Working', locale: 'en', progress: { state: 'running', fraction: 0.5 } });
        const edited = await sharp(original).modulate({ brightness: 1.5 }).png().toBuffer();
        await adapter.update(action.message, { text: 'Applied: brighter', locale: 'en' });
        await adapter.send(action.thread, {
          text: 'Here is your photo',
          locale: 'en',
          images: [{ data: edited, filename: 'edited.png', mimeType: 'image/png', alt: 'edited photo' }],
          buttons: [[{ id: 'a_undo_0123456789abcdef', label: 'Undo', style: 'secondary' }]],
        });
      } else if (action.actionId.startsWith('a_undo') && original) {
        await adapter.send(action.thread, {
          text: 'Undone',
          locale: 'en',
          images: [{ data: original, filename: 'original.png', mimeType: 'image/png', alt: 'original photo' }],
        });
      }
    } finally {
      this.actions.push(action);
      this.changed();
    }
  }

  async handleMessage(message: IncomingMessage, adapter: ChatAdapter): Promise<void> {
    try {
      await adapter.send(message.thread, { text: `Got it: ${message.text}`, locale: 'en' });
    } finally {
      this.messages.push(message);
      this.changed();
    }
  }

  async isActiveThread(thread: ThreadRef): Promise<boolean> {
    return this.active.has(key(thread));
  }
}

function key(t: ThreadRef): string {
  return `${t.channel}/${t.thread}`;
}

