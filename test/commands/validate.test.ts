import { describe, expect, it } from 'vitest';
import { CommandsSchema } from '../../src/config/schemas/commands.js';
import { LabelsSchema } from '../../src/config/schemas/labels.js';
import { loadConfig } from '../../src/config/load.js';
import { CommandLanguage, normalizeColor } from '../../src/pipeline/commands/index.js';
import { testLanguage } from '../helpers/config.js';

/** A config exercising every rule type. */
const custom = CommandLanguage.fromConfig({
  commands: CommandsSchema.parse({
    joinWith: ' | ',
    commands: {
      paint: {
        description: { en: 'x', 'zh-CN': 'x' },
        executor: 'local',
        operation: 'paint',
        priority: 5,
        paras: [
          { name: 'labels', type: 'labels', minItems: 1, maxItems: 2 },
          { name: 'mode', type: 'enum', values: ['soft', 'hard'] },
          { name: 'count', type: 'number', integer: true, min: 1, max: 5 },
          { name: 'color', type: 'color' },
          { name: 'glossy', type: 'boolean', optional: true, default: false },
          { name: 'note', type: 'string', optional: true, default: 'none', minLength: 2, maxLength: 10 },
        ],
      },
      whole: {
        description: { en: 'x', 'zh-CN': 'x' },
        executor: 'text',
        priority: 1,
        paras: [{ name: 'labels', type: 'labels', allowAll: true }],
      },
    },
  }),
  labels: LabelsSchema.parse({ synonyms: { Background: ['bg', '背景'], Hair: ['头发'] }, groups: { top: ['Hair', 'Hat'] }, wholeImage: ['*', 'all'] }),
});

function one(paras: unknown[], labels?: string[]) {
  return custom.parse(JSON.stringify([{ command: 'paint', paras }]), labels ? { labels } : {});
}

describe('rule types', () => {
  it('accepts a valid command and fills defaults', () => {
    const r = one([['bg'], 'SOFT', '3', 'red']);
    expect(r.rejected).toEqual([]);
    expect(r.commands[0]!.args).toEqual({ labels: ['Background'], mode: 'soft', count: 3, color: '#ff0000', glossy: false, note: 'none' });
  });

  it('enum: rejects a value outside the list, naming the list', () => {
    expect(one([['bg'], 'medium', 3, 'red']).rejected[0]!.reason).toBe('"paint" parameter "mode": "medium" is not one of soft, hard.');
  });

  it('number: range, integer, wrong type', () => {
    expect(one([['bg'], 'soft', 9, 'red']).rejected[0]!.reason).toBe('"paint" parameter "count": 9 is outside the range 1 to 5.');
    expect(one([['bg'], 'soft', 2.5, 'red']).rejected[0]!.reason).toMatch(/whole number/);
    expect(one([['bg'], 'soft', 'three', 'red']).rejected[0]!.reason).toMatch(/expected a whole number, got "three"/);
    expect(one([['bg'], 'soft', '４', 'red']).commands[0]!.args.count).toBe(4);
  });

  it('color: names, hex forms, rejection', () => {
    expect(normalizeColor('#ABC')).toBe('#aabbcc');
    expect(normalizeColor('AABBCC')).toBe('#aabbcc');
    expect(normalizeColor('Light Blue')).toBe('#add8e6');
    expect(normalizeColor('红色')).toBe('#ff0000');
    expect(normalizeColor('rgb(255, 0, 16)')).toBe('#ff0010');
    expect(normalizeColor('#12345')).toBeUndefined();
    expect(one([['bg'], 'soft', 1, 'sparkly']).rejected[0]!.reason).toMatch(/"sparkly" is not a colour/);
  });

  it('boolean: true/false and words', () => {
    expect(one([['bg'], 'soft', 1, 'red', 'yes']).commands[0]!.args.glossy).toBe(true);
    expect(one([['bg'], 'soft', 1, 'red', 0]).commands[0]!.args.glossy).toBe(false);
    expect(one([['bg'], 'soft', 1, 'red', 'maybe']).rejected[0]!.reason).toMatch(/expected true or false/);
  });

  it('string: length limits and type', () => {
    expect(one([['bg'], 'soft', 1, 'red', true, 'x']).rejected[0]!.reason).toMatch(/at least 2 characters/);
    expect(one([['bg'], 'soft', 1, 'red', true, 'x'.repeat(11)]).rejected[0]!.reason).toMatch(/11 characters long; the limit is 10/);
    expect(one([['bg'], 'soft', 1, 'red', true, { a: 1 }]).rejected[0]!.reason).toMatch(/expected text/);
  });

  it('required parameters and parameter counts', () => {
    expect(one([['bg'], 'soft']).rejected[0]!.reason).toBe('"paint" needs parameter 3 "count" (a whole number).');
    expect(one([['bg'], 'soft', 1, 'red', true, 'ok', 'extra']).rejected[0]!.reason).toMatch(/at most 6 parameter/);
    expect(custom.validate([{ command: 'paint', paras: 'nope' }]).rejected[0]!.reason).toMatch(/must be a list/);
  });

  it('labels: minItems, maxItems, allowAll', () => {
    expect(one([['bg', 'Hair', 'Hat'], 'soft', 1, 'red']).rejected[0]!.reason).toMatch(/at most 2 parts, got 3/);
    expect(one([[], 'soft', 1, 'red']).rejected[0]!.reason).toMatch(/at least 1 parts/);
    expect(one([['all'], 'soft', 1, 'red']).rejected[0]!.reason).toMatch(/cannot apply to the whole image/);
    const whole = custom.parse('[{"command":"whole","paras":[["all","bg"]]}]');
    expect(whole.commands[0]!.args.labels).toEqual(['*']);
  });

  it('not an object, no command, unknown command', () => {
    const r = custom.validate([5, { paras: [] }, { command: 'fly' }]);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'Expected a command object like {"command": "change", "paras": [...]}, got 5.',
      'The object has no "command" key; expected {"command": "...", "paras": [...]}.',
      '"fly" is not a known command; known commands: paint, whole.',
    ]);
  });

  it('keeps rejection keys so callers can re-render them', () => {
    const r = one([['bg'], 'soft', 9, 'red']);
    expect(r.rejected[0]!.key).toBe('commands.out_of_range');
    expect(custom.parse('[{"command":"paint","paras":[["bg"],"soft",9,"red"]}]', { locale: 'zh-CN' }).rejected[0]!.reason).toMatch(/超出范围/);
  });
});

describe('echoes of the input in rejections', () => {
  const lang = testLanguage();
  const long = 'x'.repeat(1_000_000);
  const echoed = (item: unknown) => (typeof item === 'string' ? item : JSON.stringify(item)).length;

  it('cut to 200 characters, whatever was too long', () => {
    const replies = [
      `[{"command":"face","paras":["${long}"]}]`,
      `[{"command":"${long}","paras":[]}]`,
      `[{"command":"recolor","paras":[["Hair"],"${long}"]}]`,
      `[{"command":"change","paras":[["${long}", "Hair"],"sky"]}]`,
      `[{"command":"face","paras":["a","${long}"]}]`,
      `{"command": "face", "paras": [${long}]}`,
      `[{"command":"face","paras":["x"]} ${long}]`,
      long,
    ];
    for (const reply of replies) {
      const result = lang.parse(reply);
      expect(result.rejected.length).toBeGreaterThan(0);
      for (const r of result.rejected) {
        expect(echoed(r.item)).toBeLessThanOrEqual(201);
        expect(r.reason.length).toBeLessThan(400);
      }
    }
    const e = custom.parse(JSON.stringify([{ command: 'paint', paras: [['bg'], long, 1, 'red'] }])).rejected[0]!;
    expect(echoed(e.item)).toBeLessThanOrEqual(201);
    expect(e.reason.length).toBeLessThan(200);
  });

  it('keeps short items as they were', () => {
    expect(lang.parse('[{"command":"zoom","paras":[2]}]').rejected[0]!.item).toEqual({ command: 'zoom', paras: [2] });
  });
});

describe('label matching', () => {
  const lang = testLanguage();

  it('ignores case, spaces, underscores and hyphens, then applies synonyms and groups', () => {
    expect(lang.matchLabel('UPPER_clothes')).toEqual(['Upper-clothes']);
    expect(lang.matchLabel('upper clothes')).toEqual(['Upper-clothes']);
    expect(lang.matchLabel('T-Shirt')).toEqual(['Upper-clothes']);
    expect(lang.matchLabel('T恤')).toEqual(['Upper-clothes']);
    expect(lang.matchLabel('背景')).toEqual(['Background']);
    expect(lang.matchLabel('the background')).toEqual(['Background']);
    expect(lang.matchLabel('hats')).toEqual(['Hat']);
    expect(lang.matchLabel('shoes')).toEqual(['Left-shoe', 'Right-shoe']);
    expect(lang.matchLabel('整张图')).toEqual(['*']);
    expect(lang.matchLabel('spaceship')).toBeUndefined();
  });

  it('limits matches to the labels present in the photo', () => {
    expect(lang.matchLabel('shirt', ['Background', 'Hair'])).toBeUndefined();
    expect(lang.matchLabel('legs', ['Left-leg', 'Face'])).toEqual(['Left-leg']);
    expect(lang.matchLabel('hair', ['background', 'hair'])).toEqual(['Hair']);
  });

  it('keeps valid labels and reports the others with the available list', () => {
    const r = lang.parse('[{"command":"change","paras":[["Shirt","Hair","wings"],"x"]}]', { labels: ['Background', 'Hair', 'Face'] });
    expect(r.commands[0]!.args.labels).toEqual(['Hair']);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      '"Shirt" is not a part of this photo; available: Background, Hair, Face.',
      '"wings" is not a part of this photo; available: Background, Hair, Face.',
    ]);
  });

  it('reads labels written as a string, a comma list or a list in text', () => {
    const r = lang.parse(`[{"command":"remove","paras":["Background"]},{"command":"cutout","paras":["Hair, Face"]},{"command":"grayscale","paras":["['Bag', 'Hat']"]}]`);
    expect(r.commands.map((c) => c.args.labels)).toEqual([['Background'], ['Bag', 'Hat'], ['Hair', 'Face']]);
  });

  it('allows every label of the default model without a labels option', () => {
    const r = lang.parse('[{"command":"remove","paras":[["Scarf","Bag","Right-arm"]]}]');
    expect(r.commands[0]!.args.labels).toEqual(['Scarf', 'Bag', 'Right-arm']);
    expect(lang.parse('[{"command":"remove","paras":[["skin"]]}]').rejected[0]!.reason).toMatch(/not a part the segmentation model knows/);
  });

  it('accepts labels of another model given as the photo labels', () => {
    const r = lang.parse('[{"command":"remove","paras":[["body skin"]]}]', { labels: ['Body-skin', 'Hair'] });
    expect(r.commands[0]!.args.labels).toEqual(['Body-skin']);
  });

  it('describes the commands for a system prompt in both languages', () => {
    const en = lang.describeForPrompt('en');
    const zh = lang.describeForPrompt('zh-CN');
    for (const name of lang.commandNames()) {
      expect(en).toContain(`- ${name}(`);
      expect(zh).toContain(`- ${name}(`);
    }
    expect(en).toContain('#RRGGBB');
    expect(zh).toContain('局部重绘');
  });

  it('the shipped config parses', () => {
    const cfg = loadConfig({ sections: ['commands', 'labels'] });
    expect(Object.keys(cfg.commands.commands)).toEqual(expect.arrayContaining(['change', 'face', 'beauty', 'swap_face', 'advice', 'adjust', 'recolor', 'blur', 'grayscale', 'remove', 'cutout']));
  });
});
