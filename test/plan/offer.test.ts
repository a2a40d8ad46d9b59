import { describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { Capabilities } from '../../src/core/availability.js';
import type { Command } from '../../src/core/commands.js';
import { CommandLanguage } from '../../src/pipeline/commands/index.js';
import { createExecutor } from '../../src/pipeline/execute/index.js';
import { HeuristicSuggester, offerCommands, colourIn, type OfferContext } from '../../src/pipeline/plan/index.js';
import { ATR } from '../segment/helpers.js';

const config = loadConfig();
const executor = createExecutor({ env: readEnv({}), config, limits: config.images });

/** The shipped language, optionally with the offline background replacement (the image-ops issue's command). */
function language(withBackground = false): CommandLanguage {
  const commands = structuredClone(config.commands);
  if (withBackground && !commands.commands.background) {
    commands.commands.background = {
      description: { en: 'Replace the background without a generator.', 'zh-CN': '不用生成模型更换背景。' },
      executor: 'local',
      priority: 38,
      aliases: [],
      combine: false,
      paras: [
        { name: 'source', type: 'enum', values: ['photo', 'color', 'gradient', 'backdrop'], optional: true },
        { name: 'color', type: 'color', optional: true },
      ],
    } as unknown as (typeof commands.commands)[string];
  }
  return CommandLanguage.fromConfig({ commands, labels: config.labels });
}

function offerOf(lang: CommandLanguage, wire: unknown[], ctx: Partial<OfferContext> & { caps?: Partial<Capabilities>; canRun?: (name: string) => boolean } = {}) {
  const { commands } = lang.validate(wire, { labels: ATR });
  const capabilities: Capabilities = { parts: { state: 'ready', model: 'm', via: 'local' }, generator: false, inpaint: false, ...ctx.caps };
  const offered = offerCommands(
    commands,
    { capabilities, secondPhoto: ctx.secondPhoto ?? false },
    { rule: (n) => lang.rule(n), validate: (items) => lang.validate(items), needsParts: (c) => executor.needsSegmentation([c]), canRun: ctx.canRun },
  );
  const w = (cs: Command[]) => cs.map((c) => lang.toWire(c));
  return { ...offered, runnableWire: w(offered.runnable), waitingWire: w(offered.waiting) };
}

const lang = language();
const withBackground = language(true);

describe('what a proposal offers: only what can run now', () => {
  it('without a generator, a new background becomes a clearly labelled local blur, never "sunny beach"', () => {
    const o = offerOf(lang, [{ command: 'change', paras: [['Background'], 'sunny beach, blue sky'] }]);
    expect(o.runnableWire).toEqual([{ command: 'blur', paras: [['Background']] }]);
    expect(o.substitutes).toHaveLength(1);
    expect(o.substitutes[0]!.wanted.command).toBe('change');
    expect(o.runnable.some((c) => lang.rule(c.command)?.executor === 'generative')).toBe(false);
  });

  it('with background replacement, a plain colour becomes that colour and a second photo becomes the new background', () => {
    expect(offerOf(withBackground, [{ command: 'change', paras: [['Background'], 'plain white background'] }]).runnableWire).toEqual([{ command: 'background', paras: ['color', '#ffffff'] }]);
    const photo = offerOf(withBackground, [{ command: 'change', paras: [['Background'], 'sunny beach'] }], { secondPhoto: true });
    expect(photo.runnableWire).toEqual([{ command: 'background', paras: ['photo'] }]);
    const hint = offerOf(withBackground, [{ command: 'change', paras: [['Background'], 'sunny beach'] }]);
    expect(hint.substitutes[0]).toMatchObject({ photoHint: true });
    expect(hint.runnableWire).toEqual([{ command: 'blur', paras: [['Background']] }]);
  });

  it('without a generator, "a red shirt" becomes a recolour of the same part', () => {
    const o = offerOf(lang, [{ command: 'change', paras: [['Upper-clothes'], 'red shirt'] }]);
    expect(o.runnableWire).toEqual([{ command: 'recolor', paras: [['Upper-clothes'], '#ff0000'] }]);
  });

  it('without a generator, a face edit has no local equivalent: it is said to need a generator, before any click', () => {
    const o = offerOf(lang, [{ command: 'face', paras: ['natural smile'] }, { command: 'adjust', paras: [['*'], 15, 0, 0] }]);
    expect(o.blocked).toEqual([{ command: expect.objectContaining({ command: 'face' }), need: 'generator' }]);
    expect(o.runnableWire).toEqual([{ command: 'adjust', paras: [['*'], 15] }]);
  });

  it('never offers a generative command without a generator, whatever is asked', () => {
    const all = [
      { command: 'change', paras: [['Background', 'Upper-clothes'], 'beach, white T-shirt'] },
      { command: 'face', paras: ['bigger smile'] },
      { command: 'beauty', paras: [] },
      { command: 'swap_face', paras: [] },
    ];
    for (const second of [false, true]) {
      const o = offerOf(lang, all, { secondPhoto: second });
      expect([...o.runnable, ...o.waiting].filter((c) => lang.rule(c.command)?.executor === 'generative')).toEqual([]);
      expect(o.runnableWire).toContainEqual({ command: 'recolor', paras: [['Upper-clothes'], '#ffffff'] });
    }
  });

  it('proposes Swap face only with a second photo; without one it asks for it', () => {
    const caps = { generator: true };
    expect(offerOf(lang, [{ command: 'swap_face', paras: [] }], { caps }).blocked).toEqual([{ command: expect.objectContaining({ command: 'swap_face' }), need: 'second-photo' }]);
    expect(offerOf(lang, [{ command: 'swap_face', paras: [] }], { caps, secondPhoto: true }).runnableWire).toEqual([{ command: 'swap_face', paras: [] }]);
  });

  it('asks the executor which generative commands its backends can run (OpenAI image edits cannot swap faces)', () => {
    const openAiOnly = (name: string) => name !== 'swap_face';
    const o = offerOf(lang, [{ command: 'swap_face', paras: [] }], { caps: { generator: true }, secondPhoto: true, canRun: openAiOnly });
    expect(o.blocked).toEqual([{ command: expect.objectContaining({ command: 'swap_face' }), need: 'generator' }]);
  });

  it('offers erase with the embedded inpainting model and without a generator; says what it needs when neither is there', () => {
    if (!lang.rule('erase')) return; // the object-removal command of the image-ops issue
    expect(offerOf(lang, [{ command: 'erase', paras: [['Bag']] }], { caps: { inpaint: true } }).runnableWire).toEqual([{ command: 'erase', paras: [['Bag']] }]);
    expect(offerOf(lang, [{ command: 'erase', paras: [['Bag']] }]).blocked).toEqual([{ command: expect.objectContaining({ command: 'erase' }), need: 'inpaint' }]);
  });

  it('keeps generative edits as they are when a generator is configured', () => {
    const o = offerOf(lang, [{ command: 'change', paras: [['Background'], 'sunny beach'] }, { command: 'face', paras: ['smile'] }], { caps: { generator: true } });
    expect(o.runnableWire.map((c) => c.command)).toEqual(['change', 'face']);
    expect(o.substitutes).toEqual([]);
  });

  it('part edits wait for a parts model that is downloading, and are impossible when it is missing; whole-photo edits run', () => {
    const wire = [{ command: 'recolor', paras: [['Upper-clothes'], 'red'] }, { command: 'adjust', paras: [['*'], 20, 0, 0] }];
    const coming = offerOf(lang, wire, { caps: { parts: { state: 'downloading', model: 'm', received: 1, total: 2 } } });
    expect(coming.waitingWire).toEqual([{ command: 'recolor', paras: [['Upper-clothes'], '#ff0000'] }]);
    expect(coming.runnableWire).toEqual([{ command: 'adjust', paras: [['*'], 20] }]);
    const missing = offerOf(lang, wire, { caps: { parts: { state: 'offline', model: 'm', host: 'h', detail: 'd' } } });
    expect(missing.blocked).toEqual([{ command: expect.objectContaining({ command: 'recolor' }), need: 'parts' }]);
    expect(missing.waiting).toEqual([]);
  });

  it('a background from a photo needs that photo', () => {
    const o = offerOf(withBackground, [{ command: 'background', paras: ['photo'] }]);
    expect(o.blocked).toEqual([{ command: expect.objectContaining({ command: 'background' }), need: 'second-photo' }]);
  });

  it('finds the colour a short prompt names', () => {
    expect(colourIn('red shirt')).toEqual({ color: '#ff0000', only: false });
    expect(colourIn('plain light blue background')).toEqual({ color: '#add8e6', only: true });
    expect(colourIn('白色')).toEqual({ color: '#ffffff', only: true });
    expect(colourIn('sunny beach')).toBeUndefined();
  });
});

describe('suggestions know what is available', () => {
  it('suggest only local edits without a generator, and still suggest some', async () => {
    const suggester = new HeuristicSuggester(lang, 4);
    const labels = ['Background', 'Face', 'Hair', 'Upper-clothes'];
    const none = await suggester.suggest({ image: Buffer.alloc(0), labels, locale: 'en', generator: false });
    expect(none.length).toBeGreaterThanOrEqual(3);
    expect(none.filter((s) => lang.rule(s.command.command)?.executor === 'generative')).toEqual([]);
    const some = await suggester.suggest({ image: Buffer.alloc(0), labels, locale: 'en', generator: true });
    expect(some.some((s) => lang.rule(s.command.command)?.executor === 'generative')).toBe(true);
  });
});
