import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CommandsSchema } from '../../src/config/schemas/commands.js';
import { CommandLanguage, DEFAULT_MODEL_LABELS } from '../../src/pipeline/commands/index.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';

/**
 * The newer local commands (erase: fill parts with background; background: a colour, gradient,
 * backdrop or second photo) are used when the command language has them (the shipped one does),
 * and the older equivalents (remove, recolor, change) when it does not (a language configured
 * without them).
 */
const { commands, labels } = loadConfig({ sections: ['commands', 'labels'] });
const { erase: _erase, background: _background, ...withoutLocal } = commands.commands;
const vocabulary = testVocabulary();
const local = testLanguage();
const planner = new OfflineInterpreter({ language: local, vocabulary });
const older = new CommandLanguage({ commands: CommandsSchema.parse({ ...commands, commands: withoutLocal }), labels });
const plain = new OfflineInterpreter({ language: older, vocabulary });

function wire(p: OfflineInterpreter, language: CommandLanguage, instruction: string) {
  return p.planSync({ instruction, labels: DEFAULT_MODEL_LABELS }).commands.map((c) => language.toWire(c));
}

describe('with erase and background commands', () => {
  it.each([
    ['remove the bag', [{ command: 'erase', paras: [['Bag']] }]],
    ['去掉包', [{ command: 'erase', paras: [['Bag']] }]],
    ['remove the background', [{ command: 'remove', paras: [['Background']] }]],
    ['去掉背景', [{ command: 'remove', paras: [['Background']] }]],
    ['make the background transparent', [{ command: 'remove', paras: [['Background']] }]],
    ['white background', [{ command: 'background', paras: ['color', '#ffffff'] }]],
    ['换成白色背景', [{ command: 'background', paras: ['color', '#ffffff'] }]],
    ['背景换成纯白色', [{ command: 'background', paras: ['color', '#ffffff'] }]],
    ['studio backdrop', [{ command: 'background', paras: ['backdrop'] }]],
    ['背景换成灰色影棚背景', [{ command: 'background', paras: ['backdrop', '#808080'] }]],
    ['use this photo as the background', [{ command: 'background', paras: ['photo'] }]],
    ['用第二张照片做背景', [{ command: 'background', paras: ['photo'] }]],
    ['背景换成蓝白渐变', [{ command: 'background', paras: ['gradient', '#0000ff', '#ffffff'] }]],
    ['只保留人物，其余换成纯白背景', [{ command: 'background', paras: ['color', '#ffffff'] }]],
    // A paint verb keeps the scene's shading: a recolour, not a new background.
    ['make the sky pink', [{ command: 'recolor', paras: [['Background'], '#ffc0cb'] }]],
    ['change the background to a beach', [{ command: 'change', paras: [['Background'], 'beach'] }]],
  ])('%s', (text, expected) => {
    expect(wire(planner, local, text)).toEqual(expected);
  });
});

describe('without them (a command language configured without erase and background)', () => {
  it.each([
    ['remove the bag', [{ command: 'remove', paras: [['Bag']] }]],
    ['white background', [{ command: 'recolor', paras: [['Background'], '#ffffff'] }]],
    ['只保留人物，其余换成纯白背景', [{ command: 'change', paras: [['Background'], 'white background'] }]],
    ['studio backdrop', [{ command: 'change', paras: [['Background'], 'studio backdrop'] }]],
  ])('%s', (text, expected) => {
    expect(wire(plain, older, text)).toEqual(expected);
  });

  it('a second photo as the background cannot be done and is reported', () => {
    const r = plain.planSync({ instruction: '用第二张照片做背景', labels: DEFAULT_MODEL_LABELS });
    expect(r.commands).toEqual([]);
    expect(r.rejected.map((x) => String(x.item))).toEqual(['用第二张照片做背景']);
  });
});
