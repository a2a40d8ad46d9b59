import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearConfigCache, loadConfig } from '../../src/config/load.js';
import { CedictGlossary, MapGlossary, cleanGloss, glossCompound } from '../../src/pipeline/plan/offline/glossary.js';
import { JiebaSegmenter } from '../../src/pipeline/plan/offline/segment.js';
import { ConfigError } from '../../src/util/errors.js';

describe('CC-CEDICT senses → one short English gloss', () => {
  it.each([
    [['(hand)bag', 'hold-all'], 'handbag'],
    [['a one-piece dress'], 'one-piece dress'],
    [['to print', 'to mark', 'to engrave'], 'print'],
    [['surname Yin', 'abbr. for 印度[Yin4 du4], India'], undefined],
    [['outer garment; jacket; coat'], 'outer garment'],
    [['(literary) lofty; tall', 'high'], 'tall'], // a literary sense is skipped
    [['CL:件[jian4]', 'variant of 穿[chuan1]'], undefined],
    [['the tropics', 'tropical'], 'tropics'],
  ])('%j → %s', (senses, gloss) => {
    expect(cleanGloss(senses as string[])).toBe(gloss);
  });

  it('keeps the case of a name and cuts its explanation', () => {
    expect(cleanGloss(['Paris, capital of France'], 3, true)).toBe('Paris');
  });

  it('prefers a short sense: long explanations are skipped', () => {
    expect(cleanGloss(['a kind of very long explanation of something obscure', 'short one'])).toBe('short one');
  });
});

describe('the CC-CEDICT glossary of the cc-cedict package', () => {
  const glossary = CedictGlossary.load();

  it('loads the whole dictionary', () => {
    expect(glossary.size).toBeGreaterThan(100_000);
  });

  it('glosses clothing and scene words; a variant follows the entry it points to', () => {
    expect(glossary.lookup('连衣裙')).toMatch(/dress/);
    expect(glossary.lookup('高跟鞋')).toMatch(/high-heeled/);
    expect(glossary.lookup('热带雨林')).toMatch(/tropical rain ?forest/);
    expect(glossary.lookup('纹身')).toBe('tattoo');
    expect(glossary.lookup('不是一个词的东西')).toBeUndefined();
  });
});

describe('compound words', () => {
  const dict = new MapGlossary(new Map([['麒麟', 'qilin'], ['盎然', 'abundant']]));

  it('splits into listed pieces of two characters or more, or curated words of any length', () => {
    expect(glossCompound('麒麟山', dict, (w) => (w === '山' ? 'mountains' : undefined))).toEqual({ gloss: 'qilin mountains', missing: [] });
  });

  it('reports what it cannot translate, adjacent characters together', () => {
    expect(glossCompound('绿意盎然', dict)).toEqual({ gloss: 'abundant', missing: ['绿意'] });
    expect(glossCompound('某某', undefined)).toEqual({ gloss: '', missing: ['某某'] });
  });
});

describe('jieba with the vocabulary as user dictionary', () => {
  it('keeps vocabulary words whole and does not glue an edit verb to the next word', () => {
    const jieba = new JiebaSegmenter([
      { word: '去掉', tag: 'v' },
      { word: '高跟鞋', tag: 'n' },
      { word: '包', tag: 'n' },
    ]);
    expect(jieba.cut('去掉包').map((w) => w.word)).toEqual(['去掉', '包']);
    expect(jieba.cut('红色高跟鞋').map((w) => w.word)).toEqual(['红色', '高跟鞋']);
  });
});

describe('config/vocabulary.yaml', () => {
  afterEach(() => clearConfigCache());

  it('the shipped vocabulary validates and has both languages', () => {
    const { vocabulary } = loadConfig({ sections: ['vocabulary'] });
    expect(vocabulary.segmentation).toBe('jieba');
    expect(vocabulary.colours.find((c) => c.gloss === 'red')?.zh).toContain('红色');
    expect(vocabulary.garments.find((g) => g.gloss === 'high heels')?.zh).toContain('高跟鞋');
    expect(vocabulary.grammar.some((g) => g.kind === 'verb' && g.en.includes('change') && g.zh.includes('换'))).toBe(true);
  });

  it('a gloss with Chinese characters or a bad colour is refused, naming the file and the key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-vocab-'));
    const file = path.join(dir, 'user.yaml');
    writeFileSync(file, 'vocabulary:\n  words:\n    - { gloss: 红色的, zh: [红的] }\n');
    expect(() => loadConfig({ sections: ['vocabulary'], userFile: file })).toThrow(ConfigError);
    expect(() => loadConfig({ sections: ['vocabulary'], userFile: file })).toThrow(/user\.yaml.*vocabulary\.words\.0\.gloss/);
    clearConfigCache();
    writeFileSync(file, 'vocabulary:\n  colours:\n    - { gloss: red, hex: red, en: [red] }\n');
    expect(() => loadConfig({ sections: ['vocabulary'], userFile: file })).toThrow(/vocabulary\.colours\.0\.hex/);
  });
});
