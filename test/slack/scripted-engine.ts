import sharp from 'sharp';
import type { StubEngine as StubEngineContract } from '../support/bot-harness.js';
import type { ActionEvent, ChatAdapter, CommandInvocation, IncomingMessage, MessageRef, ThreadRef } from '../../src/engine/types.js';

export async function solidPng(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

const key = (t: ThreadRef) => `${t.workspace}/${t.channel}/${t.thread}`;

/**
 * Stands in for the engine until the real one is wired: records what the adapter hands it and
 * answers through the adapter with everything a Reply can hold (text, fields, image, buttons, select,
 * progress, ephemeral), the way the engine does.
 */
export class ScriptedEngine implements StubEngineContract {
  readonly messages: IncomingMessage[] = [];
  readonly actions: ActionEvent[] = [];
  readonly downloaded: Buffer[] = [];
  readonly active = new Set<string>();
  private readonly original = new Map<string, Buffer>();
  lastCard?: MessageRef;
  readonly registered: ChatAdapter[] = [];
  /** While set, handleMessage waits on it (to show Slack is answered before the work is done). */
  hold?: Promise<void>;
  /** Records messages without answering (Slack's API is down in that test). */
  silent = false;

  constructor(private readonly edited: Buffer) {}

  async handleMessage(message: IncomingMessage, adapter: ChatAdapter): Promise<void> {
    this.messages.push(message);
    if (this.hold) await this.hold;
    if (this.silent) return;
    if (!message.images.length) {
      if (this.active.has(key(message.thread))) {
        this.lastCard = await adapter.send(message.thread, { text: `Follow-up understood: ${message.text}`, locale: 'en' });
        return;
      }
      await adapter.sendEphemeral(message.thread, message.user, { text: 'Attach a photo & mention me <again>.', ephemeral: true, locale: 'en' });
      return;
    }
    const bytes = await adapter.download(message.images[0]);
    this.downloaded.push(bytes);
    this.original.set(key(message.thread), bytes);
    this.active.add(key(message.thread));
    this.lastCard = await adapter.send(message.thread, {
      text: 'I see these parts. Pick the edits to run:',
      fields: [{ label: 'Parts', value: 'Background 62%, Upper-clothes 20%' }],
      images: [{ data: bytes, filename: 'overlay.png', mimeType: 'image/png', alt: 'parts of the photo' }],
      buttons: [
        [
          { id: 'run-all:abc', label: 'Run all', style: 'primary' },
          { id: 'suggest:abc', label: 'Suggest' },
          { id: 'undo:abc', label: 'Undo', style: 'danger' },
        ],
      ],
      select: {
        id: 'pick:abc',
        placeholder: 'Choose edits',
        options: [
          { value: '0', label: 'change Background → beach' },
          { value: '1', label: 'recolor Upper-clothes → white' },
        ],
        minValues: 0,
        maxValues: 2,
      },
      locale: 'en',
    });
  }

  async handleCommand(_invocation: CommandInvocation, _adapter: ChatAdapter): Promise<void> {}

  async handleAction(action: ActionEvent, adapter: ChatAdapter): Promise<void> {
    this.actions.push(action);
    const [kind] = action.actionId.split(':');
    if (kind === 'run-all' && action.message) {
      await adapter.update(action.message, { text: 'Editing…', progress: { state: 'running', fraction: 0.5 }, locale: 'en' });
      await adapter.update(action.message, {
        text: 'Done: change Background',
        images: [{ data: this.edited, filename: 'edited.png', mimeType: 'image/png', alt: 'edited photo' }],
        buttons: [[{ id: 'undo:abc', label: 'Undo', style: 'danger' }]],
        progress: { state: 'done' },
        locale: 'en',
      });
    } else if (kind === 'undo') {
      const original = this.original.get(key(action.thread));
      await adapter.send(action.thread, {
        text: 'Undone: back to the previous photo',
        images: original ? [{ data: original, filename: 'previous.png', mimeType: 'image/png', alt: 'previous photo' }] : [],
        locale: 'en',
      });
    }
  }

  async registerAdapter(adapter: ChatAdapter): Promise<void> {
    this.registered.push(adapter);
  }

  async isActiveThread(thread: ThreadRef): Promise<boolean> {
    return this.active.has(key(thread));
  }
}
