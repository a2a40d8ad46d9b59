import sharp from 'sharp';
import type { StubEngine as StubEngineContract } from '../support/bot-harness.js';
import type { ActionEvent, ChatAdapter, IncomingMessage, MessageRef, Reply, ThreadRef } from '../../src/engine/types.js';

export async function solidPng(r: number, g: number, b: number, size = 32): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

/**
 * A recording stand-in for the engine: answers a photo with a proposal card (text, image, buttons,
 * select), "run" edits the photo (progress patch, then the result), "undo" restores the original.
 */
export class StubEngine implements StubEngineContract {
  readonly messages: { message: IncomingMessage; image?: Buffer }[] = [];
  readonly actions: ActionEvent[] = [];
  readonly threads = new Map<string, { original: Buffer; card: MessageRef }>();
  edited?: Buffer;

  private key(t: ThreadRef): string {
    return `${t.channel}/${t.thread}`;
  }

  async handleMessage(message: IncomingMessage, adapter: ChatAdapter): Promise<void> {
    const image = message.images[0] ? await adapter.download(message.images[0]) : undefined;
    this.messages.push({ message, image });
    const known = this.threads.get(this.key(message.thread));
    if (!image && known) {
      await adapter.send(message.thread, { text: `follow-up: ${message.text}`, locale: 'en' });
      return;
    }
    if (!image) return;
    const reply: Reply = {
      text: message.locale === 'en' ? 'Found: Background, Upper-clothes' : '识别到：背景、上衣',
      fields: [{ label: 'parts', value: 'Background 60%' }],
      images: [{ data: image, filename: 'overlay.png', mimeType: 'image/png', alt: 'parts overlay' }],
      buttons: [
        [
          { id: 'act_run_all', label: 'Run all', style: 'primary' },
          { id: 'act_undo', label: 'Undo' },
        ],
      ],
      select: {
        id: 'act_select',
        placeholder: 'Choose edits',
        minValues: 0,
        maxValues: 2,
        options: [
          { value: 'c0', label: 'change Background' },
          { value: 'c1', label: 'change Upper-clothes' },
        ],
      },
      locale: message.locale === 'en' ? 'en' : 'zh-CN',
    };
    const card = await adapter.send(message.thread, reply);
    this.threads.set(this.key(message.thread), { original: image, card });
  }

  async handleCommand(): Promise<void> {}

  async handleAction(action: ActionEvent, adapter: ChatAdapter): Promise<void> {
    this.actions.push(action);
    const state = this.threads.get(this.key(action.thread));
    if (!state || !action.message) return;
    if (action.actionId === 'act_run_all') {
      await adapter.update(action.message, { text: 'working', progress: { state: 'running', fraction: 0.5 }, locale: 'zh-CN' });
      this.edited = await solidPng(10, 200, 30);
      await adapter.update(action.message, {
        text: 'done',
        images: [{ data: this.edited, filename: 'edited.png', mimeType: 'image/png', alt: 'edited photo' }],
        buttons: [[{ id: 'act_undo', label: 'Undo' }]],
        progress: { state: 'done' },
        locale: 'zh-CN',
      });
    } else if (action.actionId === 'act_undo') {
      await adapter.update(action.message, {
        text: 'undone',
        images: [{ data: state.original, filename: 'original.png', mimeType: 'image/png', alt: 'original photo' }],
        locale: 'zh-CN',
      });
    }
  }

  async isActiveThread(thread: ThreadRef): Promise<boolean> {
    return this.threads.has(this.key(thread));
  }
}
