import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_LABELS } from '../../src/pipeline/commands/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';
import { hasMessage } from '../../src/i18n/index.js';

const language = testLanguage();
const planner = new OfflineInterpreter({ language, vocabulary: testVocabulary() });
const ALL = DEFAULT_MODEL_LABELS;

async function wire(instruction: string, labels: readonly string[] = ALL) {
  const r = await planner.plan({ instruction, labels });
  return r.commands.map((c) => language.toWire(c));
}

describe('offline interpreter: the phrasings the issue names', () => {
  it('change the background to a beach', async () => {
    expect(await wire('change the background to a beach')).toEqual([{ command: 'change', paras: [['Background'], 'beach'] }]);
  });

  it('make my shirt red → recolor', async () => {
    expect(await wire('make my shirt red')).toEqual([{ command: 'recolor', paras: [['Upper-clothes'], '#ff0000'] }]);
  });

  it('blur the background', async () => {
    const out = await wire('blur the background');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ command: 'blur', paras: [['Background']] });
  });

  it('brighter → whole-image brightness up', async () => {
    const out = await wire('brighter');
    expect(out[0]!.command).toBe('adjust');
    expect(out[0]!.paras[0]).toEqual(['*']);
    expect(out[0]!.paras[1]).toBeGreaterThan(0);
  });

  it('将背景更换为阳光下的沙滩，将上衣更换为红色的裙子 → one merged change with English prompts', async () => {
    const out = await wire('将背景更换为阳光下的沙滩，将上衣更换为红色的裙子');
    expect(out).toHaveLength(1);
    expect(out[0]!.command).toBe('change');
    expect(out[0]!.paras[0]).toEqual(['Background', 'Upper-clothes']);
    const prompt = out[0]!.paras[1] as string;
    expect(prompt).toMatch(/beach/);
    expect(prompt).toMatch(/red skirt/);
    expect(prompt).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('仅保留面部和头发 → cutout', async () => {
    expect(await wire('仅保留面部和头发')).toEqual([{ command: 'cutout', paras: [['Face', 'Hair']] }]);
  });
});

describe('offline interpreter: more shapes', () => {
  it('several clauses become several commands in priority order', async () => {
    const out = await wire('blur the background and make the shirt green');
    expect(out.map((c) => c.command)).toEqual(['recolor', 'blur']);
  });

  it('translates Chinese words outside the vocabulary through the dictionary (no Chinese reaches the prompt)', async () => {
    const out = await wire('把背景换成麒麟山');
    expect(out[0]!.command).toBe('change');
    expect(out[0]!.paras[1]).toBe('qilin mountains');
  });

  it('"darker" and "less contrast" go down, "more vivid" goes up', async () => {
    const dark = await wire('make the background darker');
    expect(dark[0]!.command).toBe('adjust');
    expect(dark[0]!.paras[0]).toEqual(['Background']);
    expect(dark[0]!.paras[1]).toBeLessThan(0);
    const contrast = await wire('less contrast');
    expect(contrast[0]!.paras[2]).toBeLessThan(0);
    const vivid = await wire('让颜色更鲜艳');
    expect(vivid[0]!.paras[3]).toBeGreaterThan(0);
  });

  it('smile and beauty', async () => {
    expect((await wire('make me smile'))[0]).toEqual({ command: 'face', paras: ['smile'] });
    expect((await wire('帮我美颜'))[0]!.command).toBe('beauty');
  });

  it('black and white, remove, swap face', async () => {
    expect(await wire('make the background black and white')).toEqual([{ command: 'grayscale', paras: [['Background']] }]);
    expect(await wire('去掉墨镜')).toEqual([{ command: 'erase', paras: [['Sunglasses']] }]);
    expect(await wire('去掉背景')).toEqual([{ command: 'remove', paras: [['Background']] }]);
    expect((await wire('换脸'))[0]!.command).toBe('swap_face');
  });

  it('groups narrow to the parts the photo has', async () => {
    const out = await wire('cut out the person', ['Background', 'Hair', 'Face', 'Upper-clothes']);
    expect(out).toHaveLength(1);
    expect([...(out[0]!.paras[0] as string[])].sort()).toEqual(['Face', 'Hair', 'Upper-clothes']);
  });

  it('a part the photo lacks is rejected with a reason, not silently changed', async () => {
    const r = await planner.plan({ instruction: 'make my hat red', labels: ['Background', 'Face'] });
    expect(r.commands).toEqual([]);
    expect(r.rejected.length).toBeGreaterThan(0);
    expect(r.rejected[0]!.reason).toMatch(/Hat/);
  });

  it('an advice question gets an advice command in the question\'s language', async () => {
    const en = await planner.plan({ instruction: 'what would make this photo better?', labels: ALL });
    expect(en.commands.map((c) => c.command)).toEqual(['advice']);
    const zh = await planner.plan({ instruction: '这张照片怎么修比较好？', labels: ALL });
    expect(String(zh.commands[0]!.args.text)).toMatch(/[\u4e00-\u9fff]/);
  });

  it('an instruction it cannot read gives no commands and a clarifying question', async () => {
    const r = await planner.plan({ instruction: 'the quarterly report is due', labels: ALL });
    expect(r.commands).toEqual([]);
    expect(r.clarify).toBeDefined();
    expect(hasMessage(r.clarify!)).toBe(true);
  });

  it('"don\'t" clauses produce nothing', async () => {
    expect(await wire("blur the background, don't change the face")).toHaveLength(1);
  });

  it('is deterministic', async () => {
    const a = await wire('背景换成城市夜景，头发变成金色');
    const b = await wire('背景换成城市夜景，头发变成金色');
    expect(a).toEqual(b);
    expect(a.length).toBe(2);
  });

  it('never throws and only produces schema commands, whatever the text', () => {
    const words = ['make', 'the', 'background', 'red', '和', '背景', '换成', 'blur', 'except', 'me', '，', 'and', 'it', 'too', '除了', 'keep only', '?', '去掉', 'smile', '"', '{', '__proto__'];
    const names = new Set(language.commandNames());
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...words), { maxLength: 30 }).map((w) => w.join(' '))),
        fc.subarray([...ALL]),
        (text, labels) => {
          const r = planner.planSync({ instruction: text, labels });
          for (const c of r.commands) {
            expect(names.has(c.command)).toBe(true);
            const ls = c.args.labels as string[] | undefined;
            if (ls) for (const l of ls) expect([...labels, '*']).toContain(l);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
