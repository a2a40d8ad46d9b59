import type { Piscina } from 'piscina';
import sharp from 'sharp';
import type { RawImage } from '../../core/image-io.js';
import type { AppliedRegion } from '../execute/index.js';
import type { DeltaTask, RegionDelta } from './delta-e.js';
import { compiledWorker } from '../../util/worker-script.js';

/** How the local check judges a command. */
export interface LocalCheckOptions {
  /** Longer side of the copies ΔE is measured on. */
  workingSide: number;
  /** Least mean ΔE inside a command's region, by command name (`default` for the rest). */
  minDeltaE: Record<string, number>;
  /** Check that nothing outside the regions changed (default true; only exact executor regions allow it). */
  assertOutside?: boolean;
}

/** One command's measurement. */
export interface RegionResult {
  index: number;
  command: AppliedRegion['command'];
  meanDeltaE: number;
  /** Share of the region with a just-noticeable change (reported, not judged). */
  changedFraction: number;
  minDeltaE: number;
  changed: boolean;
  /** False when the region is too small to measure at the working size (then it is not judged). */
  measured: boolean;
  whole: boolean;
}

export interface LocalCheck {
  regions: RegionResult[];
  /**
   * Pixels outside every edit region that differ between before and after (a compositing bug when
   * non-zero; compositing guarantees they stay bit-identical). `checked` is false when a region
   * covered the whole photo.
   */
  outside: { checked: boolean; changed: boolean; pixels: number };
  ms: number;
}

let pool: Piscina | undefined;

async function deltaPool(): Promise<Piscina> {
  if (pool) return pool;
  const { Piscina } = await import('piscina');
  // One thread, ended when idle: checks are short and follow jobs one by one.
  pool ??= new Piscina({ filename: compiledWorker(import.meta.url).href, minThreads: 0, maxThreads: 1, idleTimeout: 30_000, atomics: 'disabled' });
  return pool;
}

/** Ends the check's worker (tests, shutdown). */
export async function closeCheckPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}

const raw = (img: { width: number; height: number }, channels: number) => ({ raw: { width: img.width, height: img.height, channels: channels as 1 | 3 | 4 } });

/** A raw image as RGBA at the working size (libvips, off the event loop). */
async function working(img: RawImage, w: number, h: number): Promise<Uint8Array> {
  const out = await sharp(img.data, raw(img, img.channels)).ensureAlpha().resize(w, h, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

async function workingAlpha(alpha: Uint8Array, img: { width: number; height: number }, w: number, h: number): Promise<Uint8Array> {
  const out = await sharp(Buffer.from(alpha.buffer, alpha.byteOffset, alpha.length), raw(img, 1)).resize(w, h, { fit: 'fill', kernel: 'linear' }).extractChannel(0).raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Pixels outside every region that changed, exactly, at full resolution, with libvips pipelines
 * (XOR of the two photos, masked by "outside every region", counted) so the event loop never walks
 * the pixels.
 */
async function outsideChanges(before: RawImage, after: RawImage, alphas: Uint8Array[]): Promise<number> {
  const size = { width: before.width, height: before.height };
  const asBuf = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length);
  let union = asBuf(alphas[0]!);
  for (const a of alphas.slice(1)) union = await sharp(union, raw(size, 1)).boolean(asBuf(a), 'or', raw(size, 1)).extractChannel(0).raw().toBuffer();
  const inside = await sharp(union, raw(size, 1)).threshold(1, { grayscale: false }).extractChannel(0).raw().toBuffer();
  const outside = await sharp(inside, raw(size, 1)).negate().extractChannel(0).raw().toBuffer();
  const c = before.channels;
  const xor = await sharp(before.data, raw(size, c)).boolean(after.data, 'eor', raw(size, c)).raw().toBuffer();
  const masked = await sharp(xor, raw(size, c)).boolean(outside, 'and', raw(size, 1)).raw().toBuffer();
  const changed = await sharp(masked, raw(size, c)).threshold(1, { grayscale: false }).raw().toBuffer();
  const stats = await sharp(changed, raw(size, c)).stats();
  const n = size.width * size.height;
  // Changed pixels, at least (the channel with the most changes).
  return Math.round(Math.max(...stats.channels.map((ch) => (ch.mean * n) / 255)));
}

/** Brings both photos to the same channel count (a cut-out gains alpha). */
async function sameChannels(before: RawImage, after: RawImage): Promise<[RawImage, RawImage]> {
  if (before.channels === after.channels) return [before, after];
  const widen = async (img: RawImage): Promise<RawImage> => ({ ...img, channels: 4, data: await sharp(img.data, raw(img, img.channels)).ensureAlpha().raw().toBuffer() });
  return before.channels < after.channels ? [await widen(before), after] : [before, await widen(after)];
}

/**
 * The local result check, always on: for each applied command, the mean colour difference (ΔE)
 * inside its feathered edit region must reach the command's threshold, and nothing outside every
 * region may have changed at all.
 */
export async function checkLocally(beforeImage: RawImage, afterImage: RawImage, regions: readonly AppliedRegion[], opts: LocalCheckOptions): Promise<LocalCheck> {
  const started = performance.now();
  if (beforeImage.width !== afterImage.width || beforeImage.height !== afterImage.height) throw new RangeError('before and after differ in size');
  const [before, after] = await sameChannels(beforeImage, afterImage);
  const whole = regions.some((r) => r.alpha === 'whole');
  const alphas = regions.map((r) => r.alpha).filter((a): a is Uint8Array => a !== 'whole');
  const assert = opts.assertOutside !== false && !whole && alphas.length > 0;
  const outsidePixels = assert ? await outsideChanges(before, after, alphas) : 0;

  const scale = Math.min(1, opts.workingSide / Math.max(before.width, before.height));
  const w = Math.max(1, Math.round(before.width * scale));
  const h = Math.max(1, Math.round(before.height * scale));
  const task: DeltaTask = {
    width: w,
    height: h,
    before: await working(before, w, h),
    after: await working(after, w, h),
    regions: await Promise.all(regions.map((r) => (r.alpha === 'whole' ? null : workingAlpha(r.alpha, before, w, h)))),
  };
  const deltas = regions.length ? ((await (await deltaPool()).run(task)) as RegionDelta[]) : [];
  const results = regions.map((r, i): RegionResult => {
    const d = deltas[i]!;
    const min = opts.minDeltaE[r.command.command] ?? opts.minDeltaE.default ?? 2;
    const measured = d.weight >= 1;
    return {
      index: r.index,
      command: r.command,
      meanDeltaE: round2(d.meanDeltaE),
      changedFraction: round2(d.changedFraction),
      minDeltaE: min,
      changed: !measured || d.meanDeltaE >= min,
      measured,
      whole: r.alpha === 'whole',
    };
  });
  return { regions: results, outside: { checked: assert, changed: outsidePixels > 0, pixels: outsidePixels }, ms: Math.round(performance.now() - started) };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
