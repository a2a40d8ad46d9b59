import { describe, expect, it } from 'vitest';
import { type Command } from '../../src/pipeline/commands/index.js';
import { testLanguage } from '../helpers/config.js';

const lang = testLanguage();
const c = (command: string, args: Record<string, unknown>): Command => ({ command, args });

describe('merge and order (thesis algorithm 7)', () => {
  it('merges combinable commands: label union in order, prompts joined without repeats', () => {
    const out = lang.mergeAndSort([
      c('change', { labels: ['Background'], prompt: 'beach' }),
      c('change', { labels: ['Upper-clothes', 'Background'], prompt: 'white shirt' }),
      c('change', { labels: ['Pants'], prompt: 'Beach, blue jeans' }),
    ]);
    expect(out).toEqual([c('change', { labels: ['Background', 'Upper-clothes', 'Pants'], prompt: 'beach, white shirt, blue jeans' })]);
  });

  it('does not merge commands whose rule says combine: false', () => {
    const out = lang.mergeAndSort([c('recolor', { labels: ['Hat'], color: '#ff0000' }), c('recolor', { labels: ['Bag'], color: '#ff0000' })]);
    expect(out).toHaveLength(2);
  });

  it('sorts by priority, highest first, keeping the order of equals', () => {
    const out = lang.mergeAndSort([
      c('advice', { text: 'a' }),
      c('beauty', { prompt: '' }),
      c('recolor', { labels: ['Hat'], color: '#000000' }),
      c('swap_face', {}),
      c('recolor', { labels: ['Bag'], color: '#ffffff' }),
      c('change', { labels: ['Background'], prompt: 'x' }),
    ]);
    expect(out.map((x) => x.command)).toEqual(['swap_face', 'change', 'recolor', 'recolor', 'beauty', 'advice']);
    expect(out[2]!.args.labels).toEqual(['Hat']);
  });

  it('joins empty prompts away and keeps blur strengths apart', () => {
    expect(lang.mergeAndSort([c('beauty', { prompt: '' }), c('beauty', { prompt: 'soft light' })])).toEqual([c('beauty', { prompt: 'soft light' })]);
    expect(lang.mergeAndSort([c('blur', { labels: ['Background'], strength: 10 }), c('blur', { labels: ['Face'], strength: 10 })])).toEqual([
      c('blur', { labels: ['Background', 'Face'], strength: 10 }),
    ]);
    expect(lang.mergeAndSort([c('blur', { labels: ['Background'], strength: 10 }), c('blur', { labels: ['Face'], strength: 20 })])).toHaveLength(2);
  });

  it('does not modify its input', () => {
    const input = [c('change', { labels: ['Background'], prompt: 'a' }), c('change', { labels: ['Hair'], prompt: 'b' })];
    const copy = structuredClone(input);
    lang.mergeAndSort(input);
    expect(input).toEqual(copy);
  });

  it('wire format round-trips through validate', () => {
    const cmd = c('adjust', { labels: ['*'], brightness: 20, contrast: 0, saturation: 5 });
    const wire = lang.toWire(cmd);
    expect(wire).toEqual({ command: 'adjust', paras: [['*'], 20, 0, 5] });
    expect(lang.validate([wire]).commands).toEqual([cmd]);
    expect(lang.toWire(c('beauty', { prompt: '' }))).toEqual({ command: 'beauty', paras: [] });
  });
});
