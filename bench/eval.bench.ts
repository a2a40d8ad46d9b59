import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readEnv } from '../src/config/env.js';
import { CommandLanguage } from '../src/pipeline/commands/index.js';
import { OpenAIPlanner } from '../src/pipeline/plan/index.js';
import { loadConfig } from '../src/config/load.js';
import { loadEvalSet, plannerForProfile, runEval, type ProfilePlanner } from '../src/eval/index.js';
import { round, type Bench, type Figure } from './harness.js';

// Compiled to .bench-dist/bench/: the shipped config is two folders up.
const CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');
process.env.CONFIG_DIR ??= CONFIG;

/** A canned OpenAI-compatible server: measures eval's own overhead (SDK, extraction, scoring), not a model. */
async function cannedServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const body = JSON.stringify({
    id: 'x', object: 'chat.completion', created: 0, model: 'canned',
    choices: [{ index: 0, message: { role: 'assistant', content: '[{"command": "change", "paras": [["Background"], "sunny beach"]}]', refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 900, completion_tokens: 20, total_tokens: 920 },
  });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((r) => server.close(() => r())) };
}

const bench: Bench = {
  name: 'eval',
  description: 'eval throughput on the bundled set: offline interpreter, and an LLM profile against a canned loopback server',
  async run(): Promise<Figure[]> {
    const items = await loadEvalSet(path.join(CONFIG, 'eval', 'set.jsonl'));
    const language = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }));
    const env = readEnv({});
    const figures: Figure[] = [];
    const measure = async (name: string, planners: ProfilePlanner[], concurrency: number) => {
      await runEval({ items: items.slice(0, 10), planners, language, concurrency }); // warm-up
      const t0 = performance.now();
      await runEval({ items, planners, language, concurrency });
      const s = (performance.now() - t0) / 1000;
      figures.push({ bench: 'eval', case: `${name} (${items.length} items, concurrency ${concurrency})`, metric: 'items/s', value: round(items.length / s, 1), unit: 'items/s' });
    };
    await measure('offline', [plannerForProfile('offline', { env, language })], 4);
    const server = await cannedServer();
    try {
      const { llm, prompts } = loadConfig({ sections: ['llm', 'prompts'] });
      const profile = { ...llm.profiles.ollama!, name: 'canned', baseURL: server.url, apiKey: 'x', hasKey: true, model: 'canned' };
      const planner = new OpenAIPlanner({ profile, language, prompts, maxRetryAfterMs: 0 });
      await measure('canned LLM', [{ profile: 'canned', planner, prices: {} }], 8);
    } finally {
      await server.close();
    }
    return figures;
  },
};

export default bench;
