import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/load.js';
import { CommandLanguage, DEFAULT_MODEL_LABELS } from '../src/pipeline/commands/index.js';
import { FallbackPlanner, OfflineInterpreter, OpenAIPlanner } from '../src/pipeline/plan/index.js';
import { median, percentile, round, timeIt, type Bench, type Figure } from './harness.js';

// Compiled to .bench-dist/bench/: the shipped config is two folders up.
process.env.CONFIG_DIR ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');

const INSTRUCTIONS = [
  'change the background to a beach',
  'make my shirt red',
  'blur the background',
  'brighter',
  '将背景更换为阳光下的沙滩，将上衣更换为红色的裙子',
  '仅保留面部和头发',
  'blur the background and make the shirt green, then a bit more contrast',
  '把帽子去掉，然后背景模糊',
];

/** A canned OpenAI-compatible server: measures our own overhead (prompt, SDK, extraction, validation), not a model. */
async function cannedServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const content = '```json\n[{"command": "change", "paras": [["Background"], "sunny beach"]}, {"command": "recolor", "paras": [["Upper-clothes"], "red"]}]\n```';
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x', object: 'chat.completion', created: 0, model: 'canned',
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise((r) => server.close(() => r())) };
}

const bench: Bench = {
  name: 'plan',
  description: 'offline interpreter per instruction; LLM planner overhead against a canned loopback server',
  async run(): Promise<Figure[]> {
    const figures: Figure[] = [];
    const t0 = performance.now();
    const config = loadConfig({ sections: ['commands', 'labels', 'vocabulary'] });
    const language = CommandLanguage.fromConfig(config);
    const offline = new OfflineInterpreter({ language, vocabulary: config.vocabulary });
    figures.push({ bench: 'plan', case: 'offline interpreter construction', metric: 'time', value: round(performance.now() - t0), unit: 'ms' });

    const perInstruction = await timeIt(() => {
      for (const instruction of INSTRUCTIONS) offline.planSync({ instruction, labels: DEFAULT_MODEL_LABELS });
    }, 200, 10);
    const each = perInstruction.map((ms) => ms / INSTRUCTIONS.length);
    figures.push({ bench: 'plan', case: 'offline plan (EN+ZH mix)', metric: 'p50', value: round(median(each), 3), unit: 'ms' });
    figures.push({ bench: 'plan', case: 'offline plan (EN+ZH mix)', metric: 'p95', value: round(percentile(each, 95), 3), unit: 'ms' });

    const server = await cannedServer();
    try {
      const { prompts } = loadConfig({ sections: ['prompts'] });
      const llm = new OpenAIPlanner({
        profile: { name: 'canned', baseURL: server.url, model: 'canned', apiKey: 'none', hasKey: false, structuredOutput: false, promptTemplate: 'thesis', temperature: 0, timeoutMs: 5000, maxRetries: 0, maxTokens: 400 },
        language,
        prompts,
        maxRetryAfterMs: 0,
      });
      const planner = new FallbackPlanner(llm, offline);
      const times = await timeIt(() => planner.plan({ instruction: INSTRUCTIONS[4]!, labels: DEFAULT_MODEL_LABELS }), 100, 5);
      figures.push({ bench: 'plan', case: 'LLM planner overhead (canned reply)', metric: 'p50', value: round(median(times), 2), unit: 'ms' });
      figures.push({ bench: 'plan', case: 'LLM planner overhead (canned reply)', metric: 'p95', value: round(percentile(times, 95), 2), unit: 'ms' });
    } finally {
      await server.close();
    }
    return figures;
  },
};

export default bench;
