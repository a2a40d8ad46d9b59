import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { median, round, type Bench, type Figure } from './harness.js';
import { beachPhoto, portraitScene } from '../test/helpers/scenes.js';
import { createExecutor } from '../src/pipeline/execute/index.js';
import { decodeLabelMap } from '../src/core/labelmap-png.js';
import { loadConfig } from '../src/config/load.js';
import { encodeImage } from '../src/pipeline/image/encode.js';
import { readEnv } from '../src/config/env.js';
import { CommandLanguage } from '../src/pipeline/commands/index.js';
import { InpaintBackend, InpaintModel } from '../src/providers/inpaint/index.js';
import { tinyMiganPipeline } from '../test/helpers/inpaint-onnx.js';

/**
 * Local edits on a generated 12-megapixel portrait: recolouring (a cream knit top to red, dark hair
 * to blonde) and background replacement (a second photo, a colour, a gradient, a studio backdrop).
 * Whole process (`chat-image-editor edit --commands`, or a small script for the two-photo case, as
 * the CLI takes one photo) and, in this process, the longest event-loop block during decode, edit
 * and encode. Before/after pictures of every operation go to bench-output/ for a person to look at.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'chat-image-editor.js');
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pixels-child.js');
const outDir = path.join(root, 'bench-output');
const W = 4000;
const H = 3000;
const RUNS = 3;
const TIME = '/usr/bin/time';

interface Case {
  name: string;
  file: string;
  commands: unknown[];
  background?: boolean;
  goalMs?: number;
  /** In this process only, with the tiny fixture inpainting model (real weights cannot be fetched here). */
  fixtureInpaint?: boolean;
}

const CASES: Case[] = [
  { name: 'recolor top → red', file: 'recolor-top-red', commands: [{ command: 'recolor', paras: [['Upper-clothes'], 'red'] }], goalMs: 1500 },
  { name: 'recolor hair → blonde', file: 'recolor-hair-blonde', commands: [{ command: 'recolor', paras: [['Hair'], 'blonde'] }], goalMs: 1500 },
  { name: 'background ← second photo', file: 'background-photo', commands: [{ command: 'background', paras: ['photo'] }], background: true, goalMs: 1500 },
  { name: 'background ← white', file: 'background-white', commands: [{ command: 'background', paras: ['color', 'white'] }], goalMs: 1500 },
  { name: 'background ← gradient', file: 'background-gradient', commands: [{ command: 'background', paras: ['gradient', 'sky blue', 'white'] }], goalMs: 1500 },
  { name: 'background ← studio backdrop', file: 'background-backdrop', commands: [{ command: 'background', paras: ['backdrop'] }], goalMs: 1500 },
  { name: 'blur background', file: 'blur-background', commands: [{ command: 'blur', paras: [['Background'], 60] }] },
  { name: 'cutout person', file: 'cutout', commands: [{ command: 'cutout', paras: [['Hair', 'Face', 'Upper-clothes', 'Pants', 'Left-arm', 'Right-arm']] }] },
  { name: 'remove bag (transparent)', file: 'remove-bag', commands: [{ command: 'remove', paras: [['Bag']] }] },
  { name: 'erase bag (fixture model)', file: 'erase-bag-fixture', commands: [{ command: 'erase', paras: [['Bag']] }], fixtureInpaint: true },
];

async function makeInputs(dir: string): Promise<void> {
  const scene = portraitScene(W, H);
  const raw = { raw: { width: W, height: H, channels: 3 as const } };
  writeFileSync(path.join(dir, 'photo.jpg'), await sharp(scene.rgb, raw).jpeg({ quality: 92 }).toBuffer());
  writeFileSync(path.join(dir, 'map.png'), await sharp(Buffer.from(scene.map.data), { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
  // A different aspect ratio, so "cover" has to crop.
  const bw = 3000, bh = 2400;
  writeFileSync(path.join(dir, 'beach.jpg'), await sharp(beachPhoto(bw, bh), { raw: { width: bw, height: bh, channels: 3 } }).jpeg({ quality: 92 }).toBuffer());
}

interface Run {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

function runOnce(dir: string, c: Case): Promise<Run> {
  const useTime = existsSync(TIME);
  const script = c.background
    ? [child, 'photo.jpg', 'map.png', JSON.stringify(c.commands), `${c.file}.jpg`, 'beach.jpg']
    : [bin, 'edit', 'photo.jpg', c.name, '-o', `${c.file}.jpg`, '--segmentation', 'map.png', '--commands', JSON.stringify(c.commands)];
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', 'CIE_TIME %e %M %U %S', process.execPath, ...script] : script;
  const env = { PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' };
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { cwd: dir, env }, (err, _stdout, stderr) => {
      const wallMs = performance.now() - t0;
      if (err) return reject(new Error(`${c.name} failed: ${stderr.slice(-600)}`));
      const timed = /CIE_TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({ wallMs, cpuMs: timed ? (Number(timed[3]) + Number(timed[4])) * 1000 : NaN, rssMb: timed ? Number(timed[2]) / 1024 : NaN });
    });
  });
}

/** Decode, edit and encode in this process, sampling the event loop: the longest block in ms. */
async function inProcess(dir: string, c: Case, save: boolean): Promise<{ maxBlockMs: number; p99Ms: number }> {
  const { readFile } = await import('node:fs/promises');
  const photo = await readFile(path.join(dir, 'photo.jpg'));
  const labels = [...portraitScene(4, 4).map.labels];
  const map = await decodeLabelMap(await readFile(path.join(dir, 'map.png')), labels);
  const background = c.background ? await readFile(path.join(dir, 'beach.jpg')) : undefined;
  const lang = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), { modelLabels: labels });
  const parsed = lang.validate(c.commands, { labels });
  if (parsed.commands.length === 0) throw new Error(`${c.name}: ${parsed.rejected.map((r) => r.reason).join('; ')}`);
  let inpaint: InpaintBackend | null = null;
  if (c.fixtureInpaint) {
    writeFileSync(path.join(dir, 'fixture-migan.onnx'), tinyMiganPipeline());
    const card = { ...loadConfig({ sections: ['models'] }).models.inpaint.cards.migan_512_places2!, path: path.join(dir, 'fixture-migan.onnx'), sha256: null, url: null };
    inpaint = new InpaintBackend(new InpaintModel({ name: 'fixture', card, env: { dataDir: dir } }));
  }
  const executor = createExecutor({ env: readEnv({ PATH: process.env.PATH ?? '', DATA_DIR: path.join(dir, 'data') }), config: loadConfig({ sections: ['commands', 'templates', 'backends', 'params', 'masks'] }), imageBackends: [], inpaint });
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  const result = await executor.execute({ image: photo, labelMap: map, commands: parsed.commands, ...(background ? { backgroundSource: background } : {}) });
  const jpeg = await encodeImage(result.image, { format: 'jpeg' });
  h.disable();
  if (result.applied.length === 0) throw new Error(`${c.name}: nothing applied (${result.skipped.map((s) => s.reason).join(', ')})`);
  if (save) await savePictures(c, photo, result.image, jpeg);
  return { maxBlockMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 };
}

/** Before/after at 1600 px wide, plus a 1:1 crop around the hair/shoulder edge. */
async function savePictures(c: Case, photo: Buffer, image: { data: Buffer; width: number; height: number; channels: number }, jpeg: Buffer): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const raw = { raw: { width: image.width, height: image.height, channels: image.channels as 3 | 4 } };
  const small = (s: sharp.Sharp) => s.resize(1600).png({ compressionLevel: 6 });
  // 1:1 detail: the hair and shoulder edge, or the bag for erase/remove
  const crop = /bag/.test(c.file) ? { left: Math.round(W * 0.64), top: Math.round(H * 0.5), width: 900, height: 700 } : { left: Math.round(W * 0.33), top: Math.round(H * 0.06), width: 900, height: 700 };
  if (!existsSync(path.join(outDir, 'original.png'))) await small(sharp(photo)).toFile(path.join(outDir, 'original.png'));
  const beforeDetail = path.join(outDir, /bag/.test(c.file) ? 'original-detail-bag.png' : 'original-detail.png');
  if (!existsSync(beforeDetail)) await sharp(photo).extract(crop).png().toFile(beforeDetail);
  const checker = image.channels === 4;
  const base = checker ? sharp(image.data, raw).flatten({ background: '#ff00ff' }) : sharp(jpeg);
  await small(base.clone()).toFile(path.join(outDir, `${c.file}.png`));
  await (checker ? sharp(image.data, raw).flatten({ background: '#ff00ff' }) : sharp(jpeg)).extract(crop).png().toFile(path.join(outDir, `${c.file}-detail.png`));
}

const bench: Bench = {
  name: 'pixels',
  description: `local edits of a generated ${W}×${H} portrait: recolour, background replacement, blur, cutout (${RUNS} runs each)`,
  async run(): Promise<Figure[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-bench-pixels-'));
    const figures: Figure[] = [{ bench: 'pixels', case: 'machine', metric: 'load average 1m', value: round(os.loadavg()[0]!, 1), unit: '' }];
    try {
      await makeInputs(dir);
      for (const c of CASES) {
        try {
          const block = await inProcess(dir, c, true);
          figures.push({ bench: 'pixels', case: c.name, metric: 'event loop max', value: round(block.maxBlockMs, 1), unit: 'ms', goal: '≤ 50 ms' });
          if (c.fixtureInpaint) continue;
          await runOnce(dir, c); // warm the file cache
          const runs: Run[] = [];
          for (let i = 0; i < RUNS; i++) runs.push(await runOnce(dir, c));
          figures.push({ bench: 'pixels', case: c.name, metric: 'wall median', value: round(median(runs.map((r) => r.wallMs)), 0), unit: 'ms', ...(c.goalMs ? { goal: `≤ ${c.goalMs} ms` } : {}) });
          figures.push({ bench: 'pixels', case: c.name, metric: 'cpu median', value: round(median(runs.map((r) => r.cpuMs)), 0), unit: 'ms' });
          figures.push({ bench: 'pixels', case: c.name, metric: 'peak RSS max', value: round(Math.max(...runs.map((r) => r.rssMb)), 0), unit: 'MB' });
        } catch (err) {
          process.stderr.write(`  ${c.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
          figures.push({ bench: 'pixels', case: c.name, metric: 'failed', value: 1, unit: '' });
        }
      }
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
