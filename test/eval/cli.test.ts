import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';
import { ROOT, cli, isPlanningRequest, tempDir, writeProfilesConfig } from './helpers.js';

let fake: OpenAIFake;
let configFile: string;
let n = 0;

beforeAll(async () => {
  // `npm test` builds dist/ first (pretest); the binary runs the built code.
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'eval.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  fake = await startOpenAIFake();
  fake.handle((body) => {
    if (!isPlanningRequest(body)) return reply.text(`change the background to place ${++n}`);
    return reply.text('[{"command": "blur", "paras": [["Background"]]}]');
  });
  configFile = writeProfilesConfig(tempDir('cie-eval-cli-'), { fake: { baseURL: fake.baseURL }, down: { baseURL: 'http://127.0.0.1:9/v1' } });
});

afterAll(async () => {
  await fake.close();
});

describe('chat-image-editor eval (built binary)', () => {
  it('--model offline --json -n 10 prints the report for 10 items on stdout only', async () => {
    const r = await cli(['eval', '--model', 'offline', '--json', '-n', '10']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { items: number; profiles: { profile: string; items: number; validity: number }[]; outcomes: unknown[] };
    expect(report.items).toBe(10);
    expect(report.profiles).toHaveLength(1);
    expect(report.profiles[0]).toMatchObject({ profile: 'offline', items: 10 });
    expect(report.profiles[0]!.validity).toBeGreaterThan(0.5);
    expect(report.outcomes).toHaveLength(10);
  });

  it('compares the offline interpreter with a fake profile: Markdown table, results files and an SVG chart', async () => {
    const out = tempDir('cie-eval-out-');
    const r = await cli(['eval', '--model', 'offline', 'fake', '-n', '12', '--out', out], { CONFIG_FILE: configFile });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\| profile \| items \| validity \|/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^\| offline \| 12 \|/);
    expect(lines[3]).toMatch(/^\| fake:fake-model \| 12 \|/);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { profiles: { profile: string }[] };
    expect(results.profiles.map((p) => p.profile)).toEqual(['offline', 'fake']);
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toContain('| offline | 12 |');
    const svg = readFileSync(path.join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // librsvg (through sharp) parses it: valid SVG, with 4 bars per profile.
    const meta = await sharp(Buffer.from(svg)).metadata();
    expect(meta.format).toBe('svg');
    expect(svg.match(/class="bar"/g)).toHaveLength(8);
    expect(svg).toContain('data-profile="fake"');
    if (existsSync(path.join(out, 'chart.png'))) expect((await sharp(path.join(out, 'chart.png')).metadata()).format).toBe('png');
  });

  it('in Chinese (LANG=zh_CN.UTF-8) the table headers are Chinese', async () => {
    const r = await cli(['eval', '-n', '3'], { LANG: 'zh_CN.UTF-8' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\| 配置 \| 条目 \| 有效率 \|/);
  });

  it('an unreadable --set is reported with what to do (exit 1), a bad -n is a usage error (exit 2)', async () => {
    const missing = await cli(['eval', '--set', '/nonexistent/set.jsonl']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--set/);
    expect((await cli(['eval', '-n', '0'])).code).toBe(2);
  });
});

describe('chat-image-editor dataset (built binary)', () => {
  it('writes a valid alpaca file from photos with sidecar label maps', async () => {
    const dir = tempDir('cie-dataset-cli-');
    const photo = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
    writeFileSync(path.join(dir, 'one.png'), photo);
    writeFileSync(path.join(dir, 'one.labels.json'), '["Background","Hair","Face"]');
    const out = path.join(dir, 'train.json');
    const r = await cli(['dataset', '--images', dir, '-n', '4', '--teacher', 'fake', '--out', out, '--json'], { CONFIG_FILE: configFile });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ samples: 4, complete: true });
    const samples = JSON.parse(readFileSync(out, 'utf8')) as { instruction: string; output: string; history: string[][] }[];
    expect(samples).toHaveLength(4);
    for (const s of samples) expect(JSON.parse(s.output)).toEqual([{ command: 'blur', paras: [['Background']] }]);
  });

  it('without a segmentation model or sidecars it says how to get one and exits 1', async () => {
    const dir = tempDir('cie-dataset-cli-');
    writeFileSync(path.join(dir, 'one.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer());
    const r = await cli(['dataset', '--images', dir, '-n', '2', '--teacher', 'fake', '--out', path.join(dir, 'train.json')], { CONFIG_FILE: configFile });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/models fetch/);
    expect(r.stderr).toMatch(/labels\.png/);
    expect(r.stdout).toBe('');
  });

  it('a teacher that keeps failing stops the run with what to check (exit 1), keeping no empty file', async () => {
    const dir = tempDir('cie-dataset-cli-');
    writeFileSync(path.join(dir, 'one.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer());
    writeFileSync(path.join(dir, 'one.labels.json'), '["Background","Hair","Face"]');
    const out = path.join(dir, 'train.json');
    const r = await cli(['dataset', '--images', dir, '-n', '3', '--teacher', 'down', '--concurrency', '1', '--out', out], { CONFIG_FILE: configFile });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/teacher profile "down".*keeps failing/);
    expect(existsSync(out)).toBe(false);
  });
});
