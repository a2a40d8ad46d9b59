import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_LABELS, type Command } from '../../src/pipeline/commands/index.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';

const language = testLanguage();
const vocabulary = testVocabulary();
const planner = new OfflineInterpreter({ language, vocabulary });
const CJK = /[\u3400-\u9fff]/;

/** A clause the interpreter must turn into a command of `command` on at least `labels`. */
interface Understood {
  text: string;
  command: string;
  labels: readonly string[];
}

const partZh = fc.constantFrom(
  { word: '上衣', labels: ['Upper-clothes'] },
  { word: '裤子', labels: ['Pants'] },
  { word: '帽子', labels: ['Hat'] },
  { word: '头发', labels: ['Hair'] },
  { word: '包', labels: ['Bag'] },
  { word: '围巾', labels: ['Scarf'] },
  { word: '鞋子', labels: ['Left-shoe', 'Right-shoe'] },
);
const partEn = fc.constantFrom(
  { word: 'shirt', labels: ['Upper-clothes'] },
  { word: 'pants', labels: ['Pants'] },
  { word: 'hat', labels: ['Hat'] },
  { word: 'hair', labels: ['Hair'] },
  { word: 'bag', labels: ['Bag'] },
  { word: 'scarf', labels: ['Scarf'] },
  { word: 'shoes', labels: ['Left-shoe', 'Right-shoe'] },
);
const colourZh = fc.constantFrom('红色', '蓝色', '黑色', '白色', '粉色', '金色', '墨绿色');
const colourEn = fc.constantFrom('red', 'blue', 'black', 'white', 'pink', 'gold', 'navy');
const sceneZh = fc.constantFrom('海滩', '雪山', '城市夜景', '热带雨林', '樱花盛开的公园', '绚丽的星空', '古老的城堡', '下雪的街道');
const sceneEn = fc.constantFrom('a beach', 'snowy mountains', 'a city at night', 'a tropical rainforest', 'a library', 'outer space');
const garmentZh = fc.constantFrom('连衣裙', '高跟鞋', '手提包', '运动鞋', '羽绒服', '西装', '旗袍', '卫衣', '百褶裙');

const understoodClause: fc.Arbitrary<Understood> = fc.oneof(
  fc.tuple(partZh, colourZh).map(([p, c]) => ({ text: `把${p.word}改成${c}`, command: 'recolor', labels: p.labels })),
  fc.tuple(partEn, colourEn).map(([p, c]) => ({ text: `make my ${p.word} ${c}`, command: 'recolor', labels: p.labels })),
  sceneZh.map((s) => ({ text: `将图片背景更换为${s}`, command: 'change', labels: ['Background'] })),
  sceneEn.map((s) => ({ text: `change the background to ${s}`, command: 'change', labels: ['Background'] })),
  fc.tuple(fc.constantFrom(...['上衣', '裤子', '帽子', '包'].map((w, i) => ({ word: w, labels: [['Upper-clothes'], ['Pants'], ['Hat'], ['Bag']][i]! }))), garmentZh).map(([p, g]) => ({
    text: `${p.word}换成${g}`,
    command: 'change',
    labels: p.labels,
  })),
  partZh.map((p) => ({ text: `去掉${p.word}`, command: 'erase', labels: p.labels })),
  partEn.map((p) => ({ text: `blur the ${p.word}`, command: 'blur', labels: p.labels })),
  fc.constantFrom('美颜并增强笑容', '加强眼部细节', 'give me a bigger smile', '让笑容更灿烂').map((text) => ({ text, command: 'face', labels: [] })),
  fc.constantFrom('背景虚化', 'blur the background a lot').map((text) => ({ text, command: 'blur', labels: ['Background'] })),
);

/** Clauses no rule can read: rare characters and consonant strings outside the vocabulary. */
const gibberish = fc.oneof(
  fc.array(fc.constantFrom('鑫', '淼', '犇', '骉', '垚', '焱', '羴', '鱻', '赑', '掱'), { minLength: 2, maxLength: 6 }).map((c) => c.join('')),
  fc.array(fc.stringMatching(/^[bcdfgjkqvxz]{3,7}$/), { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
);

const instruction = fc
  .array(fc.oneof({ weight: 3, arbitrary: understoodClause.map((u) => ({ kind: 'understood' as const, ...u })) }, { weight: 1, arbitrary: gibberish.map((text) => ({ kind: 'gibberish' as const, text })) }), {
    minLength: 1,
    maxLength: 8,
  })
  .chain((clauses) => fc.constantFrom('，', '；', ', ', '。').map((sep) => ({ clauses, text: clauses.map((c) => c.text).join(sep) })));

function generatorPrompts(commands: readonly Command[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    if (c.command === 'change' || c.command === 'face' || c.command === 'beauty') {
      for (const v of Object.values(c.args)) if (typeof v === 'string') out.push(v);
    }
  }
  return out;
}

describe('offline interpreter, property: generated Chinese and English instructions', () => {
  it('never crashes, never puts Chinese in a generator prompt, and every clause becomes a command or is reported', () => {
    fc.assert(
      fc.property(instruction, ({ clauses, text }) => {
        const r = planner.planSync({ instruction: text, labels: DEFAULT_MODEL_LABELS });
        for (const p of generatorPrompts(r.commands)) expect(p).not.toMatch(CJK);
        const reported = r.rejected.map((x) => `${String(x.item)} ${x.reason}`).join('\n');
        for (const clause of clauses) {
          if (clause.kind === 'gibberish') {
            expect(reported, `"${clause.text}" in ${text}`).toContain(clause.text);
            continue;
          }
          // Understood: a command of its type covers its parts, or (past the command limit) it is reported.
          const done = r.commands.some(
            (c) => c.command === clause.command && clause.labels.every((l) => Array.isArray(c.args.labels) && (c.args.labels as string[]).includes(l)),
          );
          expect(done || reported.includes(clause.text), `"${clause.text}" in ${text}: ${JSON.stringify(r.commands)} / ${reported}`).toBe(true);
        }
      }),
      { numRuns: 400, seed: 19 },
    );
  });

  it('arbitrary text: no crash, no Chinese in prompts, only labels of the photo', () => {
    const pieces = ['把', '背景', '换成', '连衣裙', '高跟鞋', '美颜', '并', '笑容', '其余', '只保留', '，', '图片', 'the', 'rest', 'keep only', ':', '的', '除了', '以外', '绿意盎然', '鑫'];
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((w) => w.join(''))),
        fc.subarray([...DEFAULT_MODEL_LABELS], { minLength: 1 }),
        (text, labels) => {
          const r = planner.planSync({ instruction: text, labels });
          for (const p of generatorPrompts(r.commands)) expect(p).not.toMatch(CJK);
          for (const c of r.commands) {
            const ls = c.args.labels as string[] | undefined;
            if (ls) for (const l of ls) expect([...labels, '*']).toContain(l);
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('a long instruction (issue 16): every clause is a command or listed as not understood', () => {
  const zhClauses = ['把上衣改成红色', '裤子换成黑色阔腿裤', '去掉帽子', '背景换成下雪的街道', '头发染成金色', '加强眼部细节', '鑫淼犇骉', '包换成棕色手提包', '围巾改成白色', '整体调亮一点'];
  const enClauses = ['make my shirt red', 'change the pants to black jeans', 'remove the hat', 'change the background to a snowy street', 'dye my hair blonde', 'qzxv bdfk', 'add a bigger smile', 'make the scarf white'];

  it('Chinese, about 5,000 characters: one command per understood clause up to the limit, the rest reported', () => {
    const clauses: string[] = [];
    while (clauses.join('，').length < 5000) clauses.push(...zhClauses);
    const r = planner.planSync({ instruction: clauses.join('，'), labels: DEFAULT_MODEL_LABELS });
    expect(r.commands.length).toBeGreaterThan(5);
    const reported = r.rejected.map((x) => String(x.item));
    // Every clause past the first maxCommands understood ones is reported, none silently dropped:
    // the first ones by name, the others in one list.
    const named = r.rejected.filter((x) => x.key === 'plan.too_many_edits').length;
    const listed = r.rejected.find((x) => x.key === 'plan.too_many_more')?.item as string[];
    expect(named).toBe(20);
    expect(named + listed.length).toBeGreaterThan(100);
    expect(reported.filter((x) => x === '鑫淼犇骉').length).toBe(clauses.filter((c) => c === '鑫淼犇骉').length);
  });

  it('English: each clause once, far under the limit, nothing lost', () => {
    const r = planner.planSync({ instruction: enClauses.join(', then '), labels: DEFAULT_MODEL_LABELS });
    const kinds = r.commands.map((c) => c.command).sort();
    expect(kinds).toEqual(['change', 'erase', 'face', 'recolor', 'recolor', 'recolor']);
    const change = r.commands.find((c) => c.command === 'change')!;
    expect(change.args.labels).toEqual(expect.arrayContaining(['Pants', 'Background']));
    expect(r.rejected.map((x) => String(x.item))).toEqual(['qzxv bdfk']);
  });
});
