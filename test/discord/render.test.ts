import { describe, expect, it } from 'vitest';
import { renderReply } from '../../src/bots/discord/render.js';
import { attachmentHostPolicy, isImageFile } from '../../src/bots/discord/attachments.js';
import { discordPublicKey, verifyDiscordRequest } from '../../src/bots/discord/verify.js';
import type { Button, Reply } from '../../src/engine/types.js';

const buttons = (rows: number, perRow: number): Button[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: perRow }, (_, c) => ({ id: `b${r}_${c}`, label: `B${r}${c}` })));

describe('renderReply', () => {
  it('keeps Discord limits: ≤5 buttons per row, ≤5 rows, the select taking one row', () => {
    const reply: Reply = {
      text: 'x',
      locale: 'en',
      buttons: buttons(6, 7),
      select: { id: 'sel', placeholder: 'p', minValues: 1, maxValues: 40, options: Array.from({ length: 30 }, (_, i) => ({ value: String(i), label: `o${i}` })) },
    };
    const { body } = renderReply(reply, { uploadLimit: 1e7 });
    expect(body.components).toHaveLength(5);
    expect(body.components.slice(0, 4).every((row) => row.components.length === 5)).toBe(true);
    const select = body.components[4].components[0] as { options: unknown[]; max_values: number; custom_id: string };
    expect(select.options).toHaveLength(25);
    expect(select.max_values).toBe(25);
    expect(select.custom_id).toBe('sel');
  });

  it('passes engine ids through unchanged and truncates long text to what Discord accepts', () => {
    const id = 'a'.repeat(64);
    const { body } = renderReply({ text: 'y'.repeat(3000), locale: 'en', buttons: [[{ id, label: 'L'.repeat(120), style: 'success' }]] }, { uploadLimit: 1e7 });
    const button = body.components[0].components[0] as { custom_id: string; label: string; style: number };
    expect(button.custom_id).toBe(id);
    expect(Array.from(button.label)).toHaveLength(80);
    expect(button.style).toBe(3);
    expect(Array.from(body.content)).toHaveLength(2000);
  });

  it('leaves out images over the upload limit and says why, in the reply language', () => {
    const big = Buffer.alloc(2 * 1024 * 1024);
    const small = Buffer.alloc(1000);
    const reply: Reply = {
      text: '好了',
      locale: 'zh-CN',
      images: [
        { data: big, filename: 'big.png', mimeType: 'image/png', alt: 'a' },
        { data: small, filename: 'small photo.png', mimeType: 'image/png', alt: 'b' },
      ],
    };
    const { body, files, dropped } = renderReply(reply, { uploadLimit: 1024 * 1024 });
    expect(dropped).toBe(1);
    expect(files.map((f) => f.name)).toEqual(['small_photo.png']);
    expect(body.attachments).toEqual([{ id: 0, filename: 'small_photo.png', description: 'b' }]);
    expect(body.content).toContain('超过了本频道允许的上传大小');
  });

  it('shows running progress as a bar and clears old controls on edit', () => {
    const { body } = renderReply({ text: 'Working', locale: 'en', progress: { state: 'running', fraction: 0.42 } }, { uploadLimit: 1e7 });
    expect(body.content).toBe('Working\n▰▰▰▰▱▱▱▱▱▱');
    expect(body.components).toEqual([]);
    expect(body.attachments).toEqual([]);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('marks ephemeral replies with the ephemeral flag', () => {
    expect(renderReply({ text: 'e', locale: 'en' }, { uploadLimit: 1, ephemeral: true }).body.flags).toBe(64);
  });
});

describe('attachment host policy', () => {
  it('allows only Discord CDN hosts over https', () => {
    const allowed = attachmentHostPolicy(undefined);
    expect(allowed('https://cdn.discordapp.com/attachments/1/2/a.png?ex=1')).toBe(true);
    expect(allowed('https://media.discordapp.net/attachments/1/2/a.png')).toBe(true);
    expect(allowed('http://cdn.discordapp.com/attachments/1/2/a.png')).toBe(false);
    expect(allowed('https://cdn.discordapp.com.evil.example/a.png')).toBe(false);
    expect(allowed('https://user:pw@cdn.discordapp.com/a.png')).toBe(false);
    expect(allowed('http://127.0.0.1:8080/a.png')).toBe(false);
    expect(allowed('not a url')).toBe(false);
  });

  it('also allows the API host itself only when DISCORD_API_URL is loopback', () => {
    expect(attachmentHostPolicy('http://127.0.0.1:4000/api')('http://127.0.0.1:4000/cdn/a.png')).toBe(true);
    expect(attachmentHostPolicy('http://127.0.0.1:4000/api')('http://127.0.0.1:4001/cdn/a.png')).toBe(false);
    expect(attachmentHostPolicy('https://proxy.example/api')('https://proxy.example/cdn/a.png')).toBe(false);
  });

  it('tells images from other files by content type or extension', () => {
    expect(isImageFile({ id: '1', filename: 'a.bin', contentType: 'image/jpeg', url: '' })).toBe(true);
    expect(isImageFile({ id: '1', filename: 'a.JPG', url: '' })).toBe(true);
    expect(isImageFile({ id: '1', filename: 'a.pdf', contentType: 'application/pdf', url: '' })).toBe(false);
  });
});

describe('verifyDiscordRequest', () => {
  it('rejects malformed keys and headers without throwing', () => {
    expect(() => discordPublicKey('zz')).toThrow(/64 hexadecimal/);
    const key = discordPublicKey('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    expect(verifyDiscordRequest(key, {}, Buffer.from('{}'), 300, now)).toBe(false);
    expect(verifyDiscordRequest(key, { 'x-signature-ed25519': 'nothex', 'x-signature-timestamp': ts }, Buffer.from('{}'), 300, now)).toBe(false);
    expect(verifyDiscordRequest(key, { 'x-signature-ed25519': 'ab'.repeat(64), 'x-signature-timestamp': 'soon' }, Buffer.from('{}'), 300, now)).toBe(false);
  });
});
