import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearConfigCache } from '../../src/config/load.js';
import { readEnv } from '../../src/config/env.js';
import { CommandLanguage } from '../../src/pipeline/commands/index.js';
import { testLanguage } from '../helpers/config.js';
import { loadEvalSet, parseEvalSet, plannerForProfile, runEval, type EvalItem } from '../../src/eval/index.js';
import { startOpenAIFake, reply, type OpenAIFake } from '../fakes/openai.js';
import { instructionOf, isRepairRound, tempDir, writeProfilesConfig } from './helpers.js';

const LABELS = ['Background', 'Hair', 'Face', 'Upper-clothes'];
const BLUR_BG = '[{"command": "blur", "paras": [["Background"]]}]';

/** 10 items, all asking to blur the background; the reference is that command. */
const items: EvalItem[] = Array.from({ length: 10 }, (_, i) => ({
  id: `item-${i}`,
  instruction: `item ${i}: blur the background`,
  labels: LABELS,
  reference: [{ command: 'blur', paras: [['Background']] }],
}));

/**
 * The scripted model: items 7, 8, 9 always answer garbage (even in the repair round); item 6
 * answers garbage first and a valid list when asked to repair; item 1 blurs the hair instead
 * (valid, right command type, wrong part); every other item answers the reference.
 */
function scriptedModel(fake: OpenAIFake): void {
  fake.handle((body) => {
    const n = Number(/item (\d+)/.exec(instructionOf(body))?.[1]);
    const garbage = reply.text('Sure! Here is what I would do: {{ blur it ]] ', { usage: { prompt_tokens: 100, completion_tokens: 20 } });
    if (n >= 7) return garbage;
    if (n === 6 && !isRepairRound(body)) return garbage;
    if (n === 1) return reply.text('[{"command": "blur", "paras": [["Hair"]]}]', { usage: { prompt_tokens: 100, completion_tokens: 20 } });
    return reply.text(BLUR_BG, { usage: { prompt_tokens: 100, completion_tokens: 20 } });
  });
}

let fake: OpenAIFake;
let language: CommandLanguage;

beforeAll(async () => {
  fake = await startOpenAIFake();
  process.env.CONFIG_FILE = writeProfilesConfig(tempDir('cie-eval-'), {
    scripted: { baseURL: fake.baseURL, pricePer1kInput: 0.5, pricePer1kOutput: 1.5 },
    down: { baseURL: 'http://127.0.0.1:9/v1' },
  });
  clearConfigCache();
  language = testLanguage();
});

afterAll(async () => {
  delete process.env.CONFIG_FILE;
  clearConfigCache();
  await fake.close();
});

describe('eval against a scripted model (loopback OpenAI fake, real SDK)', () => {
  it('gives the exact validity, repair, agreement, token and cost figures', async () => {
    scriptedModel(fake);
    const env = readEnv({});
    const report = await runEval({ items, planners: [plannerForProfile('scripted', { env, language })], language, concurrency: 3 });
    const p = report.profiles[0]!;
    expect(p.profile).toBe('scripted');
    expect(p.items).toBe(10);
    expect(p.validity).toBe(0.7); // 3 garbled of 10
    expect(p.firstTryValidity).toBe(0.6); // item 6 needed the repair round
    expect(p.repairRate).toBe(0.4); // items 6, 7, 8, 9
    expect(p.errorRate).toBe(0);
    expect(p.referenced).toBe(10);
    expect(p.typeAgreement).toBe(0.7);
    expect(p.labelAgreement).toBe(0.6); // item 1 blurred the hair
    // 10 first answers + 4 repair rounds, each reporting 100 + 20 tokens.
    expect(fake.chatRequests).toHaveLength(14);
    expect(p.usage).toEqual({ promptTokens: 1400, completionTokens: 280 });
    expect(p.cost).toBeCloseTo(1.4 * 0.5 + 0.28 * 1.5, 6);
    const bad = report.outcomes.filter((o) => !o.valid).map((o) => o.id).sort();
    expect(bad).toEqual(['item-7', 'item-8', 'item-9']);
  });

  it('a profile whose server is down scores 0 instead of silently falling back to the offline interpreter', async () => {
    const env = readEnv({});
    const report = await runEval({ items: items.slice(0, 3), planners: [plannerForProfile('down', { env, language })], language });
    expect(report.profiles[0]!.validity).toBe(0);
    expect(report.profiles[0]!.errorRate).toBe(1);
    expect(report.outcomes.every((o) => o.commands.length === 0)).toBe(true);
  });

  it('an unknown profile is refused before any request, naming the known ones', () => {
    expect(() => plannerForProfile('nope', { env: readEnv({}), language })).toThrow(/plan\.unknown_profile/);
  });
});

describe('the offline interpreter is a profile like any other', () => {
  it('runs the bundled English + Chinese set next to an LLM profile in the same report', async () => {
    const set = await loadEvalSet();
    expect(set.length).toBeGreaterThanOrEqual(80);
    expect(set.some((i) => /[\u4e00-\u9fff]/.test(i.instruction))).toBe(true);
    expect(set.some((i) => /^[\x00-\x7f]+$/.test(i.instruction))).toBe(true);
    fake.handle(() => reply.text(BLUR_BG));
    const env = readEnv({});
    const report = await runEval({ items: set, planners: [plannerForProfile('offline', { env, language }), plannerForProfile('scripted', { env, language })], language, concurrency: 8 });
    const [offline, scripted] = report.profiles;
    expect(offline!.planner).toBe('offline');
    expect(offline!.items).toBe(set.length);
    expect(offline!.validity).toBeGreaterThan(0.85);
    expect(offline!.labelAgreement).toBeGreaterThan(0.8);
    expect(offline!.usage).toBeNull();
    // Always "blur the background": valid wherever a Background exists, but rarely what was asked.
    expect(scripted!.validity).toBe(1);
    expect(scripted!.labelAgreement!).toBeLessThan(0.2);
  });
});

describe('evaluation set files', () => {
  it('reads JSON lines and JSON arrays, and names the line of a bad item', () => {
    expect(parseEvalSet('{"instruction":"blur","labels":["Background"]}\n# comment\n{"id":"b","instruction":"x","labels":["Face"]}\n', 'a.jsonl').map((i) => i.id)).toEqual(['#1', 'b']);
    expect(parseEvalSet('[{"instruction":"blur","labels":["Background"]}]', 'a.json')).toHaveLength(1);
    expect(() => parseEvalSet('{"instruction":"blur"}\n', 'bad.jsonl')).toThrow(/line 1/);
  });

  it('a reference that does not validate against its labels is refused', async () => {
    const env = readEnv({});
    const bad: EvalItem[] = [{ id: 'x', instruction: 'blur', labels: ['Face'], reference: [{ command: 'blur', paras: [['Background']] }] }];
    await expect(runEval({ items: bad, planners: [plannerForProfile('offline', { env, language })], language })).rejects.toThrow(/eval\.reference_invalid/);
  });
});
