import { describe, expect, it } from 'vitest';
import { testLanguage } from '../helpers/config.js';

const lang = testLanguage();
const items = (text: string) => lang.extract(text).items;

describe('extraction from raw model text', () => {
  it('reads plain JSON', () => {
    expect(items('[{"command":"face","paras":["smile"]}]')).toEqual([{ command: 'face', paras: ['smile'] }]);
  });

  it('collects commands from every array in the reply', () => {
    const text = 'A: [{"command":"a"}] then B: [{"command":"b"},{"command":"c"}] and {"command":"d"}';
    expect(items(text).map((i) => (i as { command: string }).command)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('accepts trailing commas, comments, single quotes and bare keys', () => {
    const text = "[ /* x */ {command: 'face', 'paras': ['a',],}, // y\n ]";
    expect(items(text)).toEqual([{ command: 'face', paras: ['a'] }]);
  });

  it('accepts full-width punctuation but keeps Chinese quotes inside ASCII strings', () => {
    expect(items('｛“command”：“face”，“paras”：［“笑”］｝')).toEqual([{ command: 'face', paras: ['笑'] }]);
    expect(items('[{"command":"face","paras":["说“你好”，然后笑"]}]')).toEqual([{ command: 'face', paras: ['说“你好”，然后笑'] }]);
  });

  it('decodes JSON escapes', () => {
    expect(items('[{"command":"face","paras":["a\\"b\\u4e2d\\n"]}]')).toEqual([{ command: 'face', paras: ['a"b中\n'] }]);
  });

  it('decodes a double-encoded array, at the top and inside a list', () => {
    const once = JSON.stringify([{ command: 'face', paras: ['x'] }]);
    expect(items(JSON.stringify(once))).toEqual([{ command: 'face', paras: ['x'] }]);
    expect(items(JSON.stringify([once]))).toEqual([{ command: 'face', paras: ['x'] }]);
  });

  it('keeps complete commands before a cut and reports the cut', () => {
    const result = lang.extract('[{"command":"a"},{"command":"b","paras":["unfinish');
    expect(result.items).toEqual([{ command: 'a' }]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.reason).toMatch(/cut off/);
  });

  it('reports an object cut off before its end without guessing its content', () => {
    const result = lang.extract('{"command":"change","paras":[["Hat"], "x"]');
    expect(result.items).toEqual([]);
    expect(result.rejected[0]!.reason).toMatch(/cut off/);
  });

  it('keeps brackets inside strings when the rest needs repair', () => {
    // jsonrepair 3.15 alone reads ["a[b"] as ["a",["b"]].
    expect(items("[{'command': 'face', 'paras': ['smile [wide']}]")).toEqual([{ command: 'face', paras: ['smile [wide'] }]);
    expect(items('[{"command":"face","paras":["a{b"]} // note\n]')).toEqual([{ command: 'face', paras: ['a{b'] }]);
  });

  it('reports a missing value, never fills it in', () => {
    // jsonrepair alone reads `"note": }` as null and [1,,2] as [[1],2].
    for (const text of ['[{"command":"face","paras":["x"],"note": }]', '[{"command":"change","paras":[["Hair",,"Face"],"x"]}]']) {
      const r = lang.extract(text);
      expect(r.items).toEqual([]);
      expect(r.rejected).toHaveLength(1);
      expect(r.rejected[0]!.reason).toMatch(/Not readable as JSON/);
    }
  });

  it('looks inside braces that hold no key', () => {
    for (const text of ['Template {{"command":"face","paras":["x"]}', 'Note {: “{"command":"face","paras":["x"]}']) {
      expect(lang.extract(text)).toEqual({ items: [{ command: 'face', paras: ['x'] }], rejected: [] });
    }
  });

  it('treats mismatched brackets as prose', () => {
    // jsonrepair alone reads "{]" as an empty object, which would then be rejected as a command.
    const r = lang.extract('Use {] or {x] here: [{"command":"face","paras":["x"]}]');
    expect(r.items).toEqual([{ command: 'face', paras: ['x'] }]);
    expect(r.rejected).toEqual([]);
  });

  it('keeps the elements around a missing comma', () => {
    expect(items('[{"command":"a"} {"command":"b"}]')).toEqual([{ command: 'a' }, { command: 'b' }]);
    const cut = lang.extract('[{"command":"a"} {"command":"b","paras":["x');
    expect(cut.items).toEqual([{ command: 'a' }]);
    expect(cut.rejected[0]!.reason).toMatch(/cut off/);
  });

  it('reports a value that needs more repairs than the linear-time guard allows', () => {
    const r = lang.extract(`[{"command":"face","paras":["x"]}, {"command":"blur","paras":[${'1 '.repeat(5000)}]}]`);
    expect(r.items).toEqual([{ command: 'face', paras: ['x'] }]);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]!.reason).toMatch(/places need repair/);
  });

  it('finds JSON after an unbalanced bracket in prose', () => {
    expect(items('Options [1) beach, 2) forest. Answer: [{"command":"face","paras":["x"]}]')).toEqual([{ command: 'face', paras: ['x'] }]);
  });

  it('never creates prototype keys', () => {
    const [item] = items('{"command":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}},"prototype":1}') as object[];
    expect(Object.keys(item!)).toEqual(['command']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(item)).toBeNull();
  });

  it('rejects deeply nested input with a reason, without overflowing the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const result = lang.extract(deep);
    expect(result.items).toEqual([]);
    expect(result.rejected[0]!.reason).toMatch(/nested deeper/);
    expect(JSON.stringify(result).length).toBeLessThan(2000);
  });

  it('handles megabytes of unclosed brackets and strings', () => {
    for (const text of ['['.repeat(1_000_000), '["' + 'a'.repeat(1_000_000), '{"a": ' + '"x'.repeat(500_000), '[1,'.repeat(300_000)]) {
      const result = lang.extract(text);
      expect(result.items.length + result.rejected.length).toBeGreaterThan(0);
      expect(result.rejected.length).toBeLessThanOrEqual(51);
    }
  });

  it('says when there is no JSON or no text at all', () => {
    expect(lang.extract('I cannot do that.').rejected[0]!.reason).toMatch(/No JSON/);
    expect(lang.extract('   ').rejected[0]!.reason).toMatch(/empty/);
  });

  it('ignores bracketed prose but reports broken JSON', () => {
    const r1 = lang.extract('[note] see [1] and [it\'s fine] [{"command":"face","paras":["x"]}]');
    expect(r1.items).toHaveLength(1);
    expect(r1.rejected).toEqual([]);
    const r2 = lang.extract('[{"command": "face", "paras": ["x"] "y": }]');
    expect(r2.items).toEqual([]);
    expect(r2.rejected[0]!.reason).toMatch(/Not readable as JSON/);
  });

  it('summarises floods of broken regions', () => {
    const result = lang.extract('{"a": x} '.repeat(10_000));
    expect(result.rejected).toHaveLength(51);
    expect(result.rejected[50]!.reason).toMatch(/more unreadable/);
  });

  it('renders reasons in Chinese on request', () => {
    expect(lang.extract('没有 JSON', { locale: 'zh-CN' }).rejected[0]!.reason).toMatch(/没有找到/);
  });
});
