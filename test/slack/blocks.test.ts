import { describe, expect, it } from 'vitest';
import { renderReply } from '../../src/bots/slack/blocks.js';
import type { Reply } from '../../src/engine/types.js';
import { blockKitProblem } from './fake-slack.js';

describe('Reply → Block Kit', () => {
  it('renders text, fields, progress, button rows and a multi-select', () => {
    const reply: Reply = {
      text: 'Parts: *hair* <b>',
      fields: [{ label: 'Backend', value: 'local' }],
      progress: { state: 'queued', position: 2 },
      buttons: [[{ id: 'a', label: 'Run selected', style: 'success' }, { id: 'b', label: 'Cancel', style: 'secondary' }], [{ id: 'c', label: 'Undo', style: 'danger' }]],
      select: { id: 's', placeholder: 'Pick', options: [{ value: 'v1', label: 'one', description: 'first' }], minValues: 0, maxValues: 3 },
      locale: 'en',
    };
    const { text, blocks } = renderReply(reply);
    // The top-level text (notifications, screen readers) follows the same escaping rules as the blocks.
    expect(text).toBe('Parts: *hair* &lt;b&gt;');
    expect(blocks.map((b) => b.type)).toEqual(['section', 'context', 'context', 'actions', 'actions', 'actions']);
    expect((blocks[0].text as any).text).toBe('Parts: *hair* &lt;b&gt;');
    expect(JSON.stringify(blocks[2])).toContain('position 2');
    const [row1, row2, sel] = blocks.slice(3).map((b) => b.elements as any[]);
    expect(row1.map((e) => [e.action_id, e.style])).toEqual([['a', 'primary'], ['b', undefined]]);
    expect(row2[0]).toMatchObject({ action_id: 'c', style: 'danger', value: 'c' });
    expect(sel[0]).toMatchObject({ type: 'multi_static_select', action_id: 's', max_selected_items: 1 });
    expect(new Set(blocks.map((b) => b.block_id)).size).toBe(blocks.length);
    expect(blockKitProblem(JSON.stringify(blocks))).toBeUndefined();
  });

  it('keeps within Slack limits: long labels clipped, rows over 25 split, single choice as static_select', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `b${i}`, label: 'x'.repeat(100) }));
    const { blocks } = renderReply({
      text: 'y'.repeat(5000),
      buttons: [many],
      select: { id: 's', placeholder: 'Pick one', options: [{ value: '1', label: 'one' }, { value: '2', label: 'two' }], minValues: 1, maxValues: 1 },
      locale: 'zh-CN',
    });
    expect([...(blocks[0].text as any).text].length).toBeLessThanOrEqual(3000);
    const rows = blocks.filter((b) => b.type === 'actions' && (b.elements as any[])[0].type === 'button');
    expect(rows.map((b) => (b.elements as any[]).length)).toEqual([25, 5]);
    expect(((rows[0].elements as any[])[0].text.text as string).length).toBeLessThanOrEqual(75);
    expect((blocks.at(-1)!.elements as any[])[0].type).toBe('static_select');
    expect(blockKitProblem(JSON.stringify(blocks))).toBeUndefined();
  });

  it('shows progress as a bar, and queue positions in the reply language', () => {
    const { blocks } = renderReply({ text: '', progress: { state: 'running', fraction: 0.42 }, locale: 'zh-CN' });
    expect(JSON.stringify(blocks)).toContain('▰▰▰▰▱▱▱▱▱▱ 42%');
    expect(JSON.stringify(renderReply({ text: '', progress: { state: 'queued', position: 3 }, locale: 'zh-CN' }).blocks)).toContain('第 3 位');
  });

  it('escapes &, < and > in the fallback text (Slack formatting rules)', () => {
    const { text } = renderReply({ text: 'Black & white <now> > before', locale: 'en' });
    expect(text).toBe('Black &amp; white &lt;now&gt; &gt; before');
  });

  it('gives a block whose content changed a new block_id, and keeps unchanged ones', () => {
    const base = { text: 'Proposal', locale: 'en' as const };
    const before = renderReply({ ...base, buttons: [[{ id: 'a', label: 'Run' }]] }).blocks;
    const after = renderReply({ ...base, buttons: [[{ id: 'c', label: 'Cancel', style: 'danger' }]] }).blocks;
    expect(after[0]!.block_id).toBe(before[0]!.block_id);
    expect(after[1]!.block_id).not.toBe(before[1]!.block_id);
  });

  it('shows at most one primary button per message, and a disabled (chosen) button as text', () => {
    const { blocks } = renderReply({
      text: 'Editing…',
      buttons: [[{ id: 'x', label: '✓ Run all', style: 'success', disabled: true }, { id: 'a', label: 'One', style: 'primary' }, { id: 'b', label: 'Two', style: 'primary' }], [{ id: 'c', label: 'All', style: 'success' }]],
      locale: 'en',
    });
    const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as any[]);
    expect(buttons.map((e) => [e.action_id, e.style])).toEqual([['a', 'primary'], ['b', undefined], ['c', undefined]]);
    expect(JSON.stringify(blocks.find((b) => b.type === 'context'))).toContain('✓ Run all');
  });
});
