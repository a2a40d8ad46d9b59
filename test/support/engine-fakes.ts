/**
 * Instant, deterministic stand-ins for the engine's dependencies (segmenter, planner, suggester,
 * executor) and a ready-made engine on memory: for engine tests, the adapters' tests and the
 * engine bench. Not used by the running service.
 */
import sharp from 'sharp';
import { readEnv, type EnvSettings } from '../../src/config/env.js';
import { composeEngineDeps } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { getLogger } from '../../src/util/logger.js';
import { createEngine, memoryStore, MemoryBlobStore, type CreateEngineOptions, type EngineDeps } from '../../src/engine/index.js';
import type { Command, ExecuteRequest, ExecuteResult, Executor, Planner, Segmentation, Suggester } from '../../src/engine/deps.js';
import type { LabelMap } from '../../src/core/types.js';
import { UserFacingError } from '../../src/util/errors.js';

export const LABELS = ['Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt', 'Left-shoe', 'Right-shoe', 'Face'];

export async function photo(color = '#3366cc', width = 64, height = 48, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: color } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg().toBuffer();
}

export async function meanColor(data: Buffer): Promise<number[]> {
  const stats = await sharp(data).stats();
  return stats.channels.slice(0, 3).map((c) => Math.round(c.mean));
}

/** Reads a PNG's size from its header without decoding (keeps the fake instant); sharp for other formats. */
async function imageSize(image: Buffer): Promise<{ width: number; height: number }> {
  if (image.length > 24 && image.readUInt32BE(0) === 0x89504e47) return { width: image.readUInt32BE(16), height: image.readUInt32BE(20) };
  const meta = await sharp(image).metadata();
  return { width: meta.width ?? 1, height: meta.height ?? 1 };
}

/** Instant segmenter: top third background, a face in the middle, clothes at the bottom. */
export function fakeSegmentation(opts: { fail?: boolean } = {}): Segmentation & { calls: number } {
  const seg = {
    calls: 0,
    labels: LABELS,
    async segment(image: Buffer): Promise<LabelMap> {
      seg.calls++;
      if (opts.fail) throw new UserFacingError('common.not_available', { feature: 'segmentation model' });
      const { width, height } = await imageSize(image);
      const data = new Uint8Array(width * height);
      for (let y = 0; y < height; y++) {
        const label = y < height / 3 ? 0 : y < (2 * height) / 3 ? 11 : 4;
        data.fill(label, y * width, (y + 1) * width);
      }
      return { width, height, data, labels: LABELS };
    },
  };
  return seg;
}

const COLORS: Record<string, string> = { white: '#ffffff', red: '#ff0000', blue: '#0000ff', black: '#000000', 白: '#ffffff' };

/** Keyword planner: "background X", "shirt COLOR", "brighter", "advice"; anything else → no command. */
export function fakePlanner(): Planner & { requests: { instruction: string; labels: readonly string[]; history: number }[] } {
  const planner = {
    name: 'fake',
    requests: [] as { instruction: string; labels: readonly string[]; history: number }[],
    async plan(req: { instruction: string; labels: readonly string[]; history?: unknown[] }) {
      planner.requests.push({ instruction: req.instruction, labels: req.labels, history: req.history?.length ?? 0 });
      const commands: Command[] = [];
      for (const part of req.instruction.toLowerCase().split(/,|，| and /)) {
        const bg = /background (?:to )?(?:a )?(\w+)|背景.*?(海滩)/.exec(part);
        if (bg) commands.push({ command: 'change', args: { labels: ['Background'], prompt: bg[1] ?? 'beach' } });
        const shirt = /shirt (\w+)|上衣.*?(白)/.exec(part);
        if (shirt) commands.push({ command: 'recolor', args: { labels: ['Upper-clothes'], color: COLORS[shirt[1] ?? 'white'] ?? '#808080' } });
        if (/bright|亮/.test(part)) commands.push({ command: 'adjust', args: { labels: ['*'], brightness: 20, contrast: 0, saturation: 0 } });
        if (/darker/.test(part)) commands.push({ command: 'adjust', args: { labels: ['*'], brightness: -20, contrast: 0, saturation: 0 } });
        if (/swap/.test(part)) commands.push({ command: 'swap_face', args: {} });
        if (/advice/.test(part)) commands.push({ command: 'advice', args: { text: 'Try softer light.' } });
        if (/fail/.test(part)) commands.push({ command: 'adjust', args: { labels: ['*'], brightness: 1, contrast: 0, saturation: 0, fail: true } });
      }
      return { commands, rejected: commands.length ? [] : [{ item: req.instruction.slice(0, 200), reason: 'no command found' }], planner: 'fake' };
    },
  };
  return planner;
}

export function fakeSuggester(): Suggester {
  return {
    async suggest() {
      return [
        { command: { command: 'adjust', args: { labels: ['*'], brightness: 20, contrast: 0, saturation: 0 } }, sentence: 'The photo is a little dark.' },
        { command: { command: 'change', args: { labels: ['Background'], prompt: 'sunset' } }, sentence: 'A warmer background.' },
      ];
    },
  };
}

export interface ExecutorLog {
  commands: Command[];
  inputMean: number[];
  faceSource?: boolean;
  seed?: number;
}

/**
 * A local executor doing real pixel work with sharp: "brightness" shifts every channel, any
 * other command adds a visible tint. `delayMs` makes it a slow backend; `failTimes` fails the
 * first N calls like a backend going down mid-job; `hang` never finishes until aborted.
 */
export function fakeExecutor(opts: { delayMs?: number; failTimes?: number; hang?: boolean; gate?: Promise<void> } = {}): Executor & { log: ExecutorLog[]; started: number } {
  let failures = opts.failTimes ?? 0;
  const ex = {
    log: [] as ExecutorLog[],
    started: 0,
    needsSegmentation: (commands: Command[]) => commands.some((c) => Array.isArray(c.args.labels) && !(c.args.labels as string[]).includes('*')),
    async execute(req: ExecuteRequest): Promise<ExecuteResult> {
      ex.started++;
      ex.log.push({ commands: req.commands, inputMean: await meanColor(req.image), faceSource: Boolean(req.faceSource), seed: req.settings?.seed });
      if (opts.hang) {
        await new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(req.signal!.reason)));
      }
      if (opts.gate) await opts.gate;
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      req.onProgress?.({ fraction: 0.5, stage: 'half' });
      if (failures > 0 || req.commands.some((c) => c.args.fail)) {
        failures--;
        throw new Error('backend exploded (HTTP 500)');
      }
      const { data, info } = await sharp(req.image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let delta = 0;
      for (const c of req.commands) delta += typeof c.args.brightness === 'number' ? c.args.brightness : 30;
      for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, data[i]! + delta));
      return { image: { data, width: info.width, height: info.height, channels: 3 }, applied: req.commands, skipped: [], advice: [], backend: 'fake' };
    },
  };
  return ex;
}

export const catalog = {
  toWire: (c: Command) => ({ command: c.command, paras: Object.values(c.args) }),
  rule: (name: string) => ({ executor: (name === 'change' || name === 'swap_face' ? 'generative' : name === 'advice' ? 'text' : 'local') as 'generative' | 'local' | 'text' }),
};

export function testEnv(dataDir = '/nonexistent-engine-test-dir') {
  return readEnv({ DATA_DIR: dataDir });
}

type DepOverrides = { [K in keyof EngineDeps]?: EngineDeps[K] | null };
const DEP_KEYS = ['segmentation', 'planner', 'suggester', 'executor', 'catalog', 'encodeForUpload', 'renderOverlay', 'availability', 'trust'] as const;

/** Engine options in the old flat shape: dependencies beside the options (`null` = without it). */
export type EngineOverrides = Partial<Omit<CreateEngineOptions, 'deps'>> & DepOverrides;

/** Splits flat overrides into createEngine's options over the instant fakes. */
export function engineOptions(over: EngineOverrides = {}, base: Partial<EngineDeps> = {}): CreateEngineOptions {
  const deps: Record<string, unknown> = { segmentation: fakeSegmentation(), planner: fakePlanner(), suggester: fakeSuggester(), executor: fakeExecutor(), catalog, ...base };
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(over)) {
    if ((DEP_KEYS as readonly string[]).includes(k)) deps[k] = v ?? undefined;
    else rest[k] = v;
  }
  return { env: testEnv(), ...rest, deps: deps as CreateEngineOptions['deps'] };
}

/** An engine on memory (state and images) with instant fakes; any piece can be overridden. */
export async function makeEngine(over: EngineOverrides = {}) {
  const segmentation = fakeSegmentation();
  const planner = fakePlanner();
  const executor = fakeExecutor();
  const options = engineOptions({ store: memoryStore(), blobs: new MemoryBlobStore(), config: { jobs: { progressIntervalMs: 0 } } as never, ...over }, { segmentation, planner, executor });
  const engine = await createEngine(options);
  return { engine, segmentation, planner, executor };
}

/** Options with the real pipeline and providers (as `serve` composes them) under the given overrides. */
export function realEngineOptions(over: EngineOverrides = {}): CreateEngineOptions {
  const env = (over.env as EnvSettings | undefined) ?? testEnv();
  const deps = composeEngineDeps(env, loadConfig(), getLogger()).deps;
  // A stand-in segmenter is there: the real one's model file does not matter (the generator still does).
  const real = deps.availability;
  if (over.segmentation && real) deps.availability = { current: () => ({ ...real.current(), parts: { state: 'ready', model: 'fake', via: 'local' } }) };
  return engineOptions(over, deps);
}
