import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { median, round, type Bench, type Figure } from './harness.js';

/**
 * Whole-process `chat-image-editor edit` of a 12-megapixel photo with a local operation ("blur the
 * background" with a given label map): wall time and the child's peak RSS, as a user would see them.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'chat-image-editor.js');
const W = 4000;
const H = 3000;
const RUNS = 3;
const TIME = '/usr/bin/time';

/** A textured 12 MP "photo" (JPEG and PNG) and a label map with a person-shaped foreground. */
async function makeInputs(dir: string): Promise<void> {
  const rgb = Buffer.allocUnsafe(W * H * 3);
  const map = Buffer.alloc(W * H);
  let s = 12345;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const n = (s >> 16) & 31;
      rgb[i * 3] = ((x * 220) / W + n) | 0;
      rgb[i * 3 + 1] = ((y * 220) / H + n) | 0;
      rgb[i * 3 + 2] = (((x ^ y) & 127) + n) | 0;
      const fx = (x - W / 2) / (W * 0.07), fy = (y - H * 0.28) / (H * 0.12);
      if (fx * fx + fy * fy < 1) map[i] = 11; // Face
      else if (Math.abs(x - W / 2) < W * 0.16 && y > H * 0.4) map[i] = 4; // Upper-clothes
    }
  }
  const raw = { raw: { width: W, height: H, channels: 3 as const } };
  writeFileSync(path.join(dir, 'photo.jpg'), await sharp(rgb, raw).jpeg({ quality: 90 }).toBuffer());
  writeFileSync(path.join(dir, 'photo.png'), await sharp(rgb, raw).png({ compressionLevel: 6 }).toBuffer());
  writeFileSync(path.join(dir, 'map.png'), await sharp(map, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer());
}

interface Run {
  wallMs: number;
  /** user + system CPU of the child (less sensitive than wall time to other load on a shared machine). */
  cpuMs: number;
  rssMb: number;
}

function runOnce(dir: string, args: string[]): Promise<Run> {
  const useTime = existsSync(TIME);
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', 'CIE_TIME %e %M %U %S', process.execPath, bin, ...args] : [bin, ...args];
  const env = { PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', CHAT_IMAGE_EDITOR_REPORT_RSS: useTime ? '' : '1' };
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { cwd: dir, env }, (err, _stdout, stderr) => {
      const wallMs = performance.now() - t0;
      if (err) return reject(new Error(`edit failed: ${stderr}`));
      const timed = /CIE_TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      const self = /maxrss_kb=(\d+)/.exec(stderr);
      const kb = Number(timed?.[2] ?? self?.[1] ?? NaN);
      const cpuMs = timed ? (Number(timed[3]) + Number(timed[4])) * 1000 : NaN;
      resolve({ wallMs, cpuMs, rssMb: kb / 1024 });
    });
  });
}

const bench: Bench = {
  name: 'edit',
  description: `whole-process edit of a ${W}×${H} photo, blur the background with a given label map (${RUNS} runs each)`,
  async run(): Promise<Figure[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-bench-edit-'));
    try {
      await makeInputs(dir);
      const commands = JSON.stringify([{ command: 'blur', paras: [['Background'], 30] }]);
      const cases = [
        { name: '12MP JPEG in → JPEG out (--commands)', args: ['edit', 'photo.jpg', 'blur the background', '-o', 'out.jpg', '--segmentation', 'map.png', '--commands', commands], goalMs: 1500 },
        { name: '12MP PNG in → PNG out (--commands)', args: ['edit', 'photo.png', 'blur the background', '-o', 'out.png', '--segmentation', 'map.png', '--commands', commands], goalMs: 3000 },
        { name: '12MP JPEG → JPEG (offline planner)', args: ['edit', 'photo.jpg', 'blur the background', '-o', 'out2.jpg', '--segmentation', 'map.png', '--offline'], goalMs: 1500 },
      ];
      const figures: Figure[] = [{ bench: 'edit', case: 'machine', metric: 'load average 1m', value: round(os.loadavg()[0]!, 1), unit: '' }];
      for (const c of cases) {
        await runOnce(dir, c.args); // warm the file cache
        const runs: Run[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await runOnce(dir, c.args));
        figures.push({ bench: 'edit', case: c.name, metric: 'wall median', value: round(median(runs.map((r) => r.wallMs)), 0), unit: 'ms', goal: `≤ ${c.goalMs} ms` });
        figures.push({ bench: 'edit', case: c.name, metric: 'wall min', value: round(Math.min(...runs.map((r) => r.wallMs)), 0), unit: 'ms' });
        figures.push({ bench: 'edit', case: c.name, metric: 'cpu median', value: round(median(runs.map((r) => r.cpuMs)), 0), unit: 'ms' });
        figures.push({ bench: 'edit', case: c.name, metric: 'peak RSS max', value: round(Math.max(...runs.map((r) => r.rssMb)), 0), unit: 'MB', goal: '≤ 400 MB' });
      }
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
