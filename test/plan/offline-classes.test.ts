import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_LABELS, type WireCommand } from '../../src/pipeline/commands/index.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';

/**
 * Issue 19: one block per failure class of the offline interpreter, with examples written for
 * these tests (not taken from the held-out sets or the eval set).
 */
const language = testLanguage();
const vocabulary = testVocabulary();
const planner = new OfflineInterpreter({ language, vocabulary });
const ALL = DEFAULT_MODEL_LABELS;
const CJK = /[\u3400-\u9fff]/;

function plan(instruction: string, labels: readonly string[] = ALL) {
  const r = planner.planSync({ instruction, labels });
  return { ...r, wire: r.commands.map((c) => language.toWire(c)) };
}

/** Every generator prompt (change, face, beauty) of a plan. */
function prompts(wire: WireCommand[]): string[] {
  return wire.flatMap((c) => (c.command === 'change' ? [String(c.paras[1])] : c.command === 'face' || c.command === 'beauty' ? c.paras.map(String) : []));
}

function only(wire: WireCommand[], command: string): WireCommand {
  const found = wire.filter((c) => c.command === command);
  expect(found, `${command} in ${JSON.stringify(wire)}`).toHaveLength(1);
  return found[0]!;
}

describe('class 1: prompts are whole English, never half-translated', () => {
  it.each([
    ['把背景换成热带雨林和瀑布', /rain ?forest.*waterfall/],
    ['背景改为绚丽的霓虹城市', /gorgeous neon/],
    ['上衣换成印着卡通图案的T恤', /cartoon/],
    ['背景换成绿意盎然的山谷', /lush green/],
    ['背景换成繁华的市中心街景', /street/],
  ])('%s', (text, english) => {
    const { wire } = plan(text);
    const all = prompts(wire);
    expect(all.length).toBeGreaterThan(0);
    for (const p of all) expect(p).not.toMatch(CJK);
    expect(all.join(' | ')).toMatch(english);
  });

  it('a word neither the vocabulary nor the dictionary knows is left out and reported', () => {
    const bare = new OfflineInterpreter({ language, vocabulary, glossary: null });
    const r = bare.planSync({ instruction: '把背景换成麒麟山', labels: ALL });
    const wire = r.commands.map((c) => language.toWire(c));
    expect(wire).toEqual([{ command: 'change', paras: [['Background'], 'mountains'] }]);
    expect(r.rejected.map((x) => x.reason).join(' ')).toMatch(/麒麟/);
  });

  it('without jieba (longest match over the vocabulary) prompts are still English only', () => {
    const plain = new OfflineInterpreter({ language, vocabulary, segmenter: null });
    const r = plain.planSync({ instruction: '将背景更换为绚丽的城市夜景，上衣换成红色高跟鞋', labels: ALL });
    for (const p of prompts(r.commands.map((c) => language.toWire(c)))) expect(p).not.toMatch(CJK);
  });
});

describe('class 2: the picture\'s background is the background', () => {
  it.each(['将图片背景更换为雪山', '将图片的背景更换为图书馆', '把照片里的背景换成夜空', '画面背景改成沙漠', "change the picture's background to a forest", 'change the background of the photo to snow'])(
    '%s',
    (text) => {
      const { wire } = plan(text);
      const change = only(wire, 'change');
      expect(change.paras[0]).toEqual(['Background']);
      expect(String(change.paras[1])).not.toMatch(CJK);
    },
  );
});

describe('class 3: face wishes go to face, not to a whole-photo beauty', () => {
  it.each([
    ['美颜并增强笑容', /bigger smile/],
    ['加强眼部细节', /detailed eyes/],
    ['美化肤色并修饰笑容', /skin.*smile/],
    ['让笑容更灿烂一些', /radiant smile/],
    ['去掉黑眼圈', /dark circles/],
    ['touch up my face and give me a bigger smile', /smile/],
  ])('%s', (text, english) => {
    const { wire } = plan(text);
    expect(wire.some((c) => c.command === 'beauty')).toBe(false);
    expect(String(only(wire, 'face').paras[0])).toMatch(english);
  });

  it('a plain beautify wish stays a whole-photo beauty', () => {
    expect(plan('帮我美颜一下').wire).toEqual([{ command: 'beauty', paras: [] }]);
  });
});

describe('class 4: long instructions keep every clause', () => {
  it('a thesis-style instruction: background, hair, face, arm tattoo, belt', () => {
    const { wire, rejected } = plan('将背景更换为绚丽的城市夜景，头发变为金色卷发，面部增加微笑，手臂加上纹身，腰间系一条棕色腰带，脚踝处戴上一条银色脚链');
    const change = only(wire, 'change');
    expect(change.paras[0]).toEqual(expect.arrayContaining(['Background', 'Hair', 'Left-arm', 'Right-arm', 'Belt']));
    expect(String(change.paras[1])).toMatch(/city night view.*curly hair.*tattoo.*brown belt/);
    expect(only(wire, 'face').paras[0]).toMatch(/smile/);
    // The clause no rule reads is reported, not dropped.
    expect(rejected.map((r) => String(r.item))).toEqual(expect.arrayContaining([expect.stringContaining('脚踝')]));
  });

  it('adjectives are translated, and a description names its part', () => {
    expect(plan('头发更加蓬松').wire).toEqual([{ command: 'change', paras: [['Hair'], 'fluffy hair'] }]);
    expect(plan('头发更加丰盈').wire).toEqual([{ command: 'change', paras: [['Hair'], 'voluminous hair'] }]);
  });

  it('English: every clause becomes a command or is reported', () => {
    const { wire, rejected } = plan('change the background to a snowy street, make my shirt red, blur the background a little, add a smile, then do the flux capacitor thing');
    expect(wire.map((c) => c.command).sort()).toEqual(['blur', 'change', 'face', 'recolor']);
    expect(rejected).toHaveLength(1);
    expect(String(rejected[0]!.item)).toMatch(/flux capacitor/);
  });
});

describe('class 5: clothing words get whole glosses', () => {
  it.each([
    ['把裙子换成红色连衣裙', ['Skirt'], 'red dress'],
    ['鞋子换成黑色高跟鞋', ['Left-shoe', 'Right-shoe'], 'black high heels'],
    ['把包换成棕色手提包', ['Bag'], 'brown handbag'],
    ['穿上白色运动鞋', ['Left-shoe', 'Right-shoe'], 'white sneakers'],
    ['外套换成一件灰色羽绒服', ['Upper-clothes'], 'gray down jacket'],
  ])('%s', (text, labels, prompt) => {
    expect(plan(text).wire).toEqual([{ command: 'change', paras: [labels, prompt] }]);
  });
});

describe('a new garment style is a change, a colour alone a recolour', () => {
  it.each([
    ['new shoes: black boots', 'change'],
    ['new shoes: black', 'recolor'],
    ['change my shirt to a hoodie', 'change'],
    ['change my shirt to green', 'recolor'],
    ['裙子换成红色', 'recolor'],
    ['裙子换成红色百褶裙', 'change'],
    ['半身裙换成连衣裙', 'change'],
  ])('%s → %s', (text, command) => {
    const { wire } = plan(text);
    expect(wire.map((c) => c.command)).toEqual([command]);
  });
});

describe('keep only X, replace the rest with Y', () => {
  it('English: a change of everything else, no cut-out', () => {
    expect(plan('keep only me and replace everything else with a snowy forest').wire).toEqual([{ command: 'change', paras: [['Background'], 'snowy forest'] }]);
  });

  it('Chinese: the rest of the parts, in the photo', () => {
    const labels = ['Background', 'Hair', 'Face', 'Upper-clothes', 'Pants'];
    const { wire } = plan('只保留脸和头发，其余换成海滩', labels);
    expect(wire).toEqual([{ command: 'change', paras: [['Background', 'Upper-clothes', 'Pants'], 'beach'] }]);
  });

  it('"keep just me, remove everything else" stays the cut-out', () => {
    expect(plan('keep just me, remove everything else', ['Background', 'Hair', 'Face']).wire).toEqual([{ command: 'cutout', paras: [['Hair', 'Face']] }]);
  });

  it('"除了…以外" across a comma', () => {
    expect(plan('除了人物以外，其余部分都换成宇宙星空', ['Background', 'Hair', 'Face']).wire).toEqual([{ command: 'change', paras: [['Background'], 'outer space starry night sky'] }]);
  });
});

describe('limits: nothing is dropped silently', () => {
  it('past maxCommands the clauses are reported as not done', () => {
    const small = new OfflineInterpreter({ language, vocabulary: { ...vocabulary, limits: { ...vocabulary.limits, maxCommands: 2 } } });
    const r = small.planSync({ instruction: '上衣改成红色，裤子改成蓝色，帽子改成黑色，包改成白色', labels: ALL });
    expect(r.commands).toHaveLength(2);
    const reasons = r.rejected.map((x) => x.reason);
    expect(reasons).toHaveLength(2);
    expect(reasons.join(' ')).toMatch(/帽子.*包/);
  });

  it('past maxInstructionChars the rest is reported as not read', () => {
    const small = new OfflineInterpreter({ language, vocabulary: { ...vocabulary, limits: { ...vocabulary.limits, maxInstructionChars: 100 } } });
    const r = small.planSync({ instruction: `blur the background, ${'make it nicer '.repeat(20)}`, labels: ALL, locale: 'en' });
    expect(r.commands.map((c) => c.command)).toContain('blur');
    expect(r.rejected.some((x) => x.key === 'plan.too_long')).toBe(true);
  });
});
