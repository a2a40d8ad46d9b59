import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { clearConfigCache, loadConfig } from '../../src/config/load.js';
import { CommandLanguage, DEFAULT_MODEL_LABELS } from '../../src/pipeline/commands/index.js';
import { testLanguage } from '../helpers/config.js';
import { encodeLabelMap } from '../../src/core/labelmap-png.js';
import {
  anonymise,
  generateDataset,
  listPhotos,
  llmProfile,
  photoLabelsSource,
  plannerForProfile,
  progressFile,
  readConversations,
  sampleKey,
  teacherRequestWriter,
  type AlpacaSample,
  type DatasetOptions,
} from '../../src/eval/index.js';
import { messageText, reply, startOpenAIFake, type OpenAIFake } from '../fakes/openai.js';
import { instructionOf, isPlanningRequest, tempDir, writeProfilesConfig } from './helpers.js';

let fake: OpenAIFake;
let language: CommandLanguage;
let photosDir: string;
let written = 0;

/**
 * The teacher: writes numbered requests in the language it is asked for (every 5th one repeats an
 * earlier one, to exercise deduplication); plans every request except "bad" ones, which get
 * prose the planner cannot use, even after the repair round.
 */
function scriptedTeacher(): void {
  fake.handle((body) => {
    if (!isPlanningRequest(body)) {
      const chinese = /[\u4e00-\u9fff]/.test(messageText(body.messages[0]!));
      const n = ++written;
      const id = n % 5 === 0 ? n - 1 : n; // a repeat
      const bad = n % 4 === 0 ? ' bad' : '';
      return reply.text(chinese ? `"把背景换成海滩 ${id}${bad}"` : `Request: change the background to beach number ${id}${bad}`);
    }
    if (/bad/.test(instructionOf(body))) return reply.text('I think a beach would look lovely here.');
    return reply.text('[{"command": "change", "paras": [["Background"], "beach"]}, {"command": "blur", "paras": [["Hair"]]}]');
  });
}

async function makePhotos(dir: string): Promise<void> {
  const png = (r: number) => sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g: 90, b: 40 } } }).png().toBuffer();
  writeFileSync(path.join(dir, 'a.png'), await png(10));
  writeFileSync(path.join(dir, 'a.labels.json'), JSON.stringify(['Background', 'Hair', 'Face', 'Upper-clothes']));
  writeFileSync(path.join(dir, 'b.jpg'), await sharp(await png(200)).jpeg().toBuffer());
  // A label map of the active model: Background (0), Hair (2), Face (11).
  const data = new Uint8Array(64).map((_, i) => (i < 32 ? 0 : i < 48 ? 2 : 11));
  writeFileSync(path.join(dir, 'b.labels.png'), await encodeLabelMap({ width: 8, height: 8, data, labels: DEFAULT_MODEL_LABELS }));
}

function options(out: string, extra: Partial<DatasetOptions> = {}): DatasetOptions {
  const env = readEnv({});
  const profile = llmProfile('teacher', { env });
  const { prompts } = loadConfig({ sections: ['prompts'] });
  return {
    photos: [path.join(photosDir, 'a.png'), path.join(photosDir, 'b.jpg')],
    labelsFor: photoLabelsSource({ env, modelLabels: DEFAULT_MODEL_LABELS }),
    writer: teacherRequestWriter(profile, language),
    planner: plannerForProfile('teacher', { env, language }).planner,
    language,
    prompts,
    promptTemplate: profile.promptTemplate,
    count: 6,
    out,
    concurrency: 2,
    ...extra,
  };
}

function readSamples(file: string): AlpacaSample[] {
  return JSON.parse(readFileSync(file, 'utf8')) as AlpacaSample[];
}

/** Every sample has exactly the alpaca keys, and its output validates against the labels of its label turn. */
function expectValidAlpaca(samples: AlpacaSample[]): void {
  for (const s of samples) {
    expect(Object.keys(s).sort()).toEqual(['history', 'input', 'instruction', 'output']);
    expect(s.input).toBe('');
    const labels = s.history[0]![1].split('\n').flatMap((l) => /^\d+\. (.+)$/.exec(l)?.[1] ?? []);
    expect(labels.length).toBeGreaterThan(0);
    const parsed = language.parse(s.output, { labels });
    expect(parsed.rejected).toEqual([]);
    expect(parsed.commands.length).toBeGreaterThan(0);
    expect(Array.isArray(JSON.parse(s.output))).toBe(true);
  }
}

beforeAll(async () => {
  fake = await startOpenAIFake();
  process.env.CONFIG_FILE = writeProfilesConfig(tempDir('cie-dataset-cfg-'), { teacher: { baseURL: fake.baseURL } });
  clearConfigCache();
  language = testLanguage();
  photosDir = tempDir('cie-dataset-photos-');
  await makePhotos(photosDir);
});

beforeEach(() => {
  fake.reset();
  written = 0;
  scriptedTeacher();
});

afterAll(async () => {
  delete process.env.CONFIG_FILE;
  clearConfigCache();
  await fake.close();
});

describe('dataset (teacher = loopback OpenAI fake through the real SDK)', () => {
  it('writes LLaMA-Factory alpaca JSON with the label turn as history, only samples that validate, no repeats', async () => {
    const out = path.join(tempDir('cie-dataset-'), 'data.json');
    const result = await generateDataset(options(out));
    expect(result.complete).toBe(true);
    expect(result.samples).toBe(6);
    expect(result.rejected).toBeGreaterThan(0); // the "bad" requests
    const samples = readSamples(out);
    expect(samples).toHaveLength(6);
    expectValidAlpaca(samples);
    expect(samples.some((s) => /bad/.test(s.instruction))).toBe(false);
    expect(new Set(samples.map(sampleKey)).size).toBe(6);
    // Both languages, cleaned of the teacher's quotes and prefixes, with the thesis' label turn.
    expect(samples.some((s) => /^把背景换成海滩 \d+$/.test(s.instruction))).toBe(true);
    expect(samples.some((s) => /^change the background to beach number \d+$/.test(s.instruction))).toBe(true);
    const en = samples.find((s) => s.instruction.startsWith('change'))!;
    expect(en.history[0]![0]).toBe('Which parts does the photo have?');
    expect(en.history[0]![1]).toMatch(/^The photo has these parts:\n1\. Background\n2\. Hair\n3\. (Face|Upper-clothes\n4\. Face)$/);
    const zh = samples.find((s) => s.instruction.startsWith('把'))!;
    expect(zh.history[0]![0]).toBe('这张照片有哪些部位？');
    // Commands come out merged and sorted, in the wire format.
    expect(JSON.parse(en.output)).toEqual([
      { command: 'change', paras: [['Background'], 'beach'] },
      { command: 'blur', paras: [['Hair']] },
    ]);
    expect(existsSync(progressFile(out))).toBe(false);
  });

  it('an interrupted run resumes to exactly N unique samples, keeping the first ones', async () => {
    const out = path.join(tempDir('cie-dataset-'), 'data.json');
    const controller = new AbortController();
    const first = await generateDataset(
      options(out, { count: 8, signal: controller.signal, onSample: (_s, total) => (total >= 3 ? controller.abort() : undefined) }),
    );
    expect(first.interrupted).toBe(true);
    expect(first.complete).toBe(false);
    const before = readSamples(out);
    expect(before).toHaveLength(3);

    // The teacher starts numbering again from 1: its first answers repeat what the file holds.
    written = 0;
    const second = await generateDataset(options(out, { count: 8 }));
    expect(second.resumed).toBe(3);
    expect(second.samples).toBe(8);
    expect(second.duplicates).toBeGreaterThan(0);
    const after = readSamples(out);
    expect(after).toHaveLength(8);
    expect(after.slice(0, 3)).toEqual(before);
    expect(new Set(after.map(sampleKey)).size).toBe(8);
    expectValidAlpaca(after);
  });

  it('a run killed mid-write resumes from the progress file (a torn last line is ignored)', async () => {
    const out = path.join(tempDir('cie-dataset-'), 'data.json');
    const controller = new AbortController();
    await generateDataset(options(out, { count: 4, signal: controller.signal, onSample: (_s, total) => (total >= 2 ? controller.abort() : undefined) }));
    const kept = readSamples(out);
    // Simulate a crash: the samples only in the progress file, plus half a line.
    writeFileSync(progressFile(out), `${kept.map((s) => JSON.stringify(s)).join('\n')}\n{"instruction":"half`);
    writeFileSync(out, '[]');
    const result = await generateDataset(options(out, { count: 4 }));
    expect(result.resumed).toBe(2);
    const after = readSamples(out);
    expect(after).toHaveLength(4);
    expect(after.slice(0, 2)).toEqual(kept);
    expect(existsSync(progressFile(out))).toBe(false);
  });

  it('includes anonymised operator conversations when given, skipping those that do not validate', async () => {
    const dir = tempDir('cie-dataset-');
    const file = path.join(dir, 'conversations.jsonl');
    writeFileSync(
      file,
      [
        { user: 'U123', thread: 'T9', instruction: 'hey <@123456> make my hair red, mail me at jo@example.com', labels: ['Background', 'Hair'], commands: [{ command: 'recolor', paras: [['Hair'], 'red']}] },
        { instruction: 'make my hat red', labels: ['Background', 'Hair'], commands: [{ command: 'recolor', paras: [['Hat'], 'red'] }] },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    const conversations = await readConversations(file);
    const out = path.join(dir, 'data.json');
    await generateDataset(options(out, { count: 2, conversations }));
    const samples = readSamples(out);
    expect(samples).toHaveLength(2);
    expect(samples[0]!.instruction).toBe('hey @user make my hair red, mail me at [email]');
    expect(JSON.parse(samples[0]!.output)).toEqual([{ command: 'recolor', paras: [['Hair'], '#ff0000'] }]);
    expect(JSON.stringify(samples)).not.toMatch(/U123|jo@example|Hat/);
    expect(anonymise('call +86 138 0013 8000 or see https://x.y/z')).toBe('call [number] or see [link]');
  });

  it('photo labels come from sidecars; without sidecar or model it stops with a clear message', async () => {
    const env = readEnv({ DATA_DIR: tempDir('cie-dataset-data-') });
    const labelsFor = photoLabelsSource({ env, modelLabels: DEFAULT_MODEL_LABELS });
    expect(await labelsFor(path.join(photosDir, 'a.png'))).toEqual(['Background', 'Hair', 'Upper-clothes', 'Face']); // model order
    expect(await labelsFor(path.join(photosDir, 'b.jpg'))).toEqual(['Background', 'Hair', 'Face']);
    expect(await listPhotos(photosDir)).toEqual([path.join(photosDir, 'a.png'), path.join(photosDir, 'b.jpg')]);
    const bare = tempDir('cie-dataset-bare-');
    writeFileSync(path.join(bare, 'c.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).png().toBuffer());
    await expect(labelsFor(path.join(bare, 'c.png'))).rejects.toThrow(/eval\.dataset_model_missing/);
    await labelsFor.close();
  });
});
