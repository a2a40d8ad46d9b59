import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testLanguage } from '../helpers/config.js';

const lang = testLanguage();

/** Pieces models and attackers produce, glued together at random. */
const fragment = fc.oneof(
  fc.constantFrom('[', ']', '{', '}', '［', '］', '｛', '｝', '"', "'", '“', '”', ',', '，', ':', '：', '\\', '//', '/*', '*/', '\n', ' ', '、'),
  fc.constantFrom('"command"', '"paras"', '"change"', '"face"', '"Background"', '"__proto__"', 'constructor', 'prototype', 'true', 'None', '1e400', '-0', '"*"', '"红色"', '```json'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const garbled = fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join(''));

/** Valid command lists, serialised, then damaged. */
const wireCommand = fc.oneof(
  fc.record({ command: fc.constant('change'), paras: fc.tuple(fc.array(fc.constantFrom('Background', 'Hair', 'shirt', '背景', 'wings'), { maxLength: 3 }), fc.string()) }),
  fc.record({ command: fc.constant('blur'), paras: fc.tuple(fc.constant(['Background']), fc.oneof(fc.integer(), fc.double(), fc.string())) }),
  fc.record({ command: fc.constant('face'), paras: fc.array(fc.anything(), { maxLength: 2 }) }),
  fc.dictionary(fc.constantFrom('command', 'paras', '__proto__', 'constructor', 'prototype', 'params'), fc.anything()),
);
const damaged = fc
  .tuple(fc.array(wireCommand, { maxLength: 4 }), fc.nat(), fc.nat(), fc.constantFrom('cut', 'quote', 'none', 'double'))
  .map(([cmds, a, b, how]) => {
    const json = JSON.stringify(cmds);
    if (how === 'cut') return json.slice(0, a % (json.length + 1));
    if (how === 'quote') return json.replaceAll('"', b % 2 ? "'" : '“');
    if (how === 'double') return JSON.stringify(json);
    return json;
  });

function checkResult(text: string, labels?: string[]): void {
  const result = lang.parse(text, labels ? { labels } : {});
  for (const c of result.commands) {
    expect(lang.commandNames()).toContain(c.command);
    // Every command survives a round trip through the wire format.
    expect(lang.validate([lang.toWire(c)], labels ? { labels } : {}).commands).toEqual([c]);
  }
  for (const r of result.rejected) expect(typeof r.reason).toBe('string');
  expect(() => JSON.stringify(result)).not.toThrow();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('command');
}

describe('property: any input is answered, never thrown', () => {
  it('garbled fragments', () => {
    fc.assert(fc.property(garbled, (text) => checkResult(text)), { numRuns: 200 });
  });

  it('random unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => checkResult(text)), { numRuns: 100 });
  });

  it('damaged command lists, with and without photo labels', () => {
    fc.assert(fc.property(damaged, fc.boolean(), (text, withLabels) => checkResult(text, withLabels ? ['Background', 'Hair'] : undefined)), {
      numRuns: 200,
    });
  });

  it('__proto__ in any position never reaches a prototype', () => {
    const payload = fc
      .array(fc.constantFrom('{"__proto__": {"polluted": 1}}', '{"constructor": {"prototype": {"polluted": 1}}}', '[{"command":"face","__proto__":{"polluted":1},"paras":["x"]}]', "{'__proto__': {'polluted': 1}, command: 'face', paras: ['y']}"), {
        minLength: 1,
        maxLength: 4,
      })
      .map((p) => p.join(' text '));
    fc.assert(
      fc.property(payload, (text) => {
        const { items } = lang.extract(text);
        for (const item of items) {
          if (item && typeof item === 'object') expect(Object.keys(item)).not.toContain('__proto__');
        }
        checkResult(text);
      }),
      { numRuns: 200 },
    );
  });

  it('valid lists are read back exactly', () => {
    const valid = fc.array(
      fc.oneof(
        fc.record({ command: fc.constant('face'), paras: fc.tuple(fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim().length > 0)) }),
        fc.record({ command: fc.constant('recolor'), paras: fc.tuple(fc.constant(['Hair']), fc.constantFrom('#ff0000', '#00ff00')) }),
      ),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(valid, (cmds) => {
        const { items, rejected } = lang.extract(`Here you go:\n${JSON.stringify(cmds)}\nDone.`);
        expect(rejected.filter((r) => r.key !== 'commands.no_json')).toEqual([]);
        expect(items).toEqual(cmds.map((c) => ({ ...c })));
      }),
      { numRuns: 150 },
    );
  });
});
