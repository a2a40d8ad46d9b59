import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { runCheckEval, syntheticCheckSet, checkTable } from '../../src/eval/index.js';
import { closeCheckPool, createResultChecker } from '../../src/pipeline/check/index.js';
import { DEFAULT_MODEL_LABELS } from '../../src/pipeline/commands/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { cli } from '../eval/helpers.js';
import { messageText, reply, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';

const { llm, safety } = loadConfig({ sections: ['llm', 'safety'] });
let fake: OpenAIFake;

beforeAll(async () => {
  await ensureBuilt();
  fake = await startOpenAIFake();
}, 120_000);
afterAll(async () => {
  await fake.close();
  await closeCheckPool();
});
afterEach(() => fake.reset());

describe('eval --check: the check\'s cost and how often it disagreed with "done"', () => {
  it('local: the synthetic set\'s missed edits are the disagreements, and the check agrees with every label', async () => {
    const items = await syntheticCheckSet(DEFAULT_MODEL_LABELS);
    const checker = createResultChecker({ env: readEnv({}), llm, safety, processEnv: {} });
    const report = await runCheckEval({ items, checker, mode: 'local' });
    expect(report).toMatchObject({ mode: 'local', model: null, items: 12, commands: 12, labelled: 12, disagreement: 0.5, accuracy: 1, falseAlarms: 0, misses: 0, tokens: null, visionMs: null });
    expect(report.localMs.p95).toBeGreaterThanOrEqual(report.localMs.p50);
    expect(checkTable(report, 'en')).toContain('| disagreed with "done" | 50.0% |');
  });

  it('vision: tokens, seconds and cost from the vision profile; a model that says "no" to a shown edit is a false alarm', async () => {
    fake.handle((body) => {
      const text = messageText(body.messages[0]!);
      // The model misjudges the grey background; everything else it sees.
      return reply.json({ results: [{ edit: 1, shows: !text.includes('grayscale'), reason: 'ok' }] }, { usage: { prompt_tokens: 300, completion_tokens: 20 } });
    });
    const items = await syntheticCheckSet(DEFAULT_MODEL_LABELS);
    const env = readEnv({ OPENAI_API_KEY: 'sk-test-not-a-secret', OPENAI_BASE_URL: fake.baseURL, VISION_MODEL: 'vision-check-test' });
    const checker = createResultChecker({ env, llm, safety, processEnv: {} });
    const report = await runCheckEval({ items, checker, mode: 'vision', prices: { pricePer1kInput: 0.15, pricePer1kOutput: 0.6 } });
    // only the six edits that passed the pixel check reach the model
    expect(fake.chatRequests).toHaveLength(6);
    expect(report.tokens).toEqual({ promptTokens: 1800, completionTokens: 120 });
    expect(report.cost).toBeCloseTo((1800 * 0.15 + 120 * 0.6) / 1000, 6);
    expect(report.visionMs).not.toBeNull();
    expect(report.model).toBe('vision-check-test');
    expect(report.falseAlarms).toBeCloseTo(1 / 6, 5);
    expect(report.misses).toBe(0);
  });

  it('the CLI prints the table (and JSON with --json) on stdout', async () => {
    const r = await cli(['eval', '--check', '--check-mode', 'local', '-n', '4', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { set: string; mode: string; items: number };
    expect(report).toMatchObject({ set: 'synthetic', mode: 'local', items: 4 });
  });
});
