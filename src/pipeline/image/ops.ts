import sharp from 'sharp';
import type { MessageKey } from '../../i18n/index.js';
import { labelIndex } from '../mask/build.js';
import { BACKDROP_GREY, prepareBackground, type BackgroundSpec } from './background.js';
import { blurImage } from './blur.js';
import type { ImageLimits, RawImage } from '../../core/image-io.js';
import { matteComposite } from './matte.js';
import type { PixelPool } from './pool.js';
import { recolorPart, type Material } from './recolor.js';
import { ref, rowBands, sharedBytes, type Box } from './shared.js';

/**
 * Local (non-generative) edits: every per-pixel pass runs on the worker pool, so the event loop
 * only schedules. Each operation returns the new image or a reason it was skipped.
 */
export type PixelOperation = 'adjust' | 'recolor' | 'blur' | 'grayscale' | 'remove' | 'cutout' | 'background';
export const PIXEL_OPERATIONS: readonly PixelOperation[] = ['adjust', 'recolor', 'blur', 'grayscale', 'remove', 'cutout', 'background'];

export function isPixelOperation(v: unknown): v is PixelOperation {
  return typeof v === 'string' && (PIXEL_OPERATIONS as readonly string[]).includes(v);
}

export const WHOLE = '*';
export const BACKGROUND_LABEL = 'Background';

export interface LabelMapRef {
  /** The label map's pixels in shared memory. */
  data: SharedArrayBuffer;
  width: number;
  height: number;
  labels: readonly string[];
}

export interface LocalEditContext {
  pool: PixelPool;
  image: RawImage;
  map?: LabelMapRef;
  labels: readonly string[];
  args: Record<string, unknown>;
  /** Feather radius and blur sigma at strength 100, as fractions of the photo's longer side. */
  feather: number;
  blurSigmaAt100: number;
  /** Second photo for background replacement. */
  backgroundSource?: Buffer;
  limits?: ImageLimits;
}

/** The edited image, and the edit's region when it is exact (matte edits spread into a band: none). */
export type LocalEditResult = { image: RawImage; region?: Uint8Array | 'whole' } | { skip: MessageKey };

interface EditRegion {
  mask: SharedArrayBuffer;
  alpha: SharedArrayBuffer;
  box: Box | null;
  coverage: number;
}

/** Edit mask + feathered alpha of `labels` (or their complement), computed on the pool. */
export async function regionOf(
  ctx: Pick<LocalEditContext, 'pool' | 'image' | 'map'>,
  labels: readonly string[],
  opts: { complement?: boolean; feather?: number; erode?: Record<string, number>; dilate?: number } = {},
): Promise<EditRegion> {
  const { image, map } = ctx;
  const n = image.width * image.height;
  if (!map || labels.includes(WHOLE)) {
    const all = sharedBytes(n);
    all.fill(opts.complement ? 0 : 255);
    const box = opts.complement ? null : { left: 0, top: 0, width: image.width, height: image.height };
    const buf = all.buffer as SharedArrayBuffer;
    return { mask: buf, alpha: buf, box, coverage: opts.complement ? 0 : 1 };
  }
  const mask = new SharedArrayBuffer(n);
  const alpha = new SharedArrayBuffer(n);
  const r = await ctx.pool.run({
    kind: 'mask',
    map: map.data,
    width: map.width,
    height: map.height,
    labelNames: map.labels,
    labels,
    ...(opts.complement ? { complement: true } : {}),
    ...(opts.erode ? { erode: opts.erode } : {}),
    ...(opts.dilate ? { dilate: opts.dilate } : {}),
    feather: opts.feather ?? 0,
    mask,
    alpha,
  });
  return { mask, alpha, box: r.box, coverage: r.coverage };
}

/** 256-entry table: 1 for label indices listed (or, with `invert`, for every other label). */
export function labelTable(names: readonly string[], labels: readonly string[], invert = false): Uint8Array {
  const t = new Uint8Array(256).fill(invert ? 1 : 0);
  for (const l of labels) {
    const i = labelIndex(names, l);
    if (i >= 0) t[i] = invert ? 0 : 1;
  }
  return t;
}

/** Hair takes natural-hair colours (see recolorTarget) when it is all that is recoloured. */
function materialOf(labels: readonly string[]): Material {
  return labels.length > 0 && labels.every((l) => /^(hair|头发)$/i.test(l)) ? 'hair' : 'default';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function backgroundSpec(args: Record<string, unknown>, photo: Buffer | undefined): BackgroundSpec | { skip: MessageKey } {
  const source = str(args.source) ?? (photo ? 'photo' : 'color');
  const color = str(args.color);
  switch (source) {
    case 'photo':
      return photo ? { kind: 'photo', photo } : { skip: 'execute.skip.no_background_source' };
    case 'gradient':
      return { kind: 'gradient', from: color ?? '#9fb8d0', to: str(args.color2) ?? '#f4f4f2' };
    case 'backdrop':
      return { kind: 'backdrop', color: color ?? BACKDROP_GREY };
    default:
      return { kind: 'color', color: color ?? '#ffffff' };
  }
}

export async function runLocalEdit(op: PixelOperation, ctx: LocalEditContext): Promise<LocalEditResult> {
  const { image, pool } = ctx;
  const long = Math.max(image.width, image.height);
  switch (op) {
    case 'recolor':
    case 'adjust':
    case 'grayscale': {
      const r = await regionOf(ctx, ctx.labels, { feather: ctx.feather * long });
      if (!r.box) return { skip: 'execute.skip.empty_region' };
      // The region is known exactly here: the result check can assert nothing outside it changed.
      const region = r.coverage >= 1 ? ('whole' as const) : new Uint8Array(r.alpha);
      if (op === 'recolor') {
        const color = str(ctx.args.color) ?? '#808080';
        return { image: await recolorPart(pool, { image, alpha: r.alpha, box: r.box, color, material: materialOf(ctx.labels) }), region };
      }
      const imgRef = ref(image);
      const box = r.box;
      const tone = { brightness: num(ctx.args.brightness, 0), contrast: num(ctx.args.contrast, 0), saturation: num(ctx.args.saturation, 0) };
      await Promise.all(rowBands(box.top, box.top + box.height, pool.threads * 2).map((rows) => pool.run({ kind: 'tone', op, image: imgRef, alpha: r.alpha, box, rows, ...tone })));
      return { image: { ...image, data: Buffer.from(imgRef.buffer, 0, image.data.length) }, region };
    }
    case 'blur': {
      const strength = Math.min(100, Math.max(1, num(ctx.args.strength, 30)));
      const sigma = Math.max(0.5, (strength / 100) * ctx.blurSigmaAt100 * long);
      if (!ctx.map || ctx.labels.includes(WHOLE)) return { image: await blurImage(pool, { image, sigma, whole: true }) };
      const r = await regionOf(ctx, ctx.labels);
      if (!r.box) return { skip: 'execute.skip.empty_region' };
      if (r.coverage >= 1) return { image: await blurImage(pool, { image, sigma, whole: true }) };
      const keep = labelTable(ctx.map.labels, ctx.labels, true);
      return { image: await blurImage(pool, { image, sigma, mask: r.mask, box: r.box, map: ctx.map.data, keep }) };
    }
    case 'remove':
    case 'cutout': {
      // remove: the listed parts become transparent; cutout: everything but the listed parts does.
      if (!ctx.map || ctx.labels.includes(WHOLE)) {
        if (op === 'cutout') return { image };
        const rgba = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).removeAlpha().ensureAlpha(0).raw().toBuffer();
        return { image: { data: rgba, width: image.width, height: image.height, channels: 4 } };
      }
      const keep = labelTable(ctx.map.labels, ctx.labels, op === 'remove');
      const out = await matteComposite(pool, { image, map: ctx.map.data, keep, mode: 'alpha' });
      // remove: none of the parts is in the photo; cutout: none of the parts to keep is.
      if (op === 'remove' ? out.keptShare >= 1 : out.keptShare <= 0) return { skip: 'execute.skip.empty_region' };
      return { image: out.image };
    }
    case 'background': {
      if (!ctx.map) return { skip: 'execute.skip.needs_segmentation' };
      if (labelIndex(ctx.map.labels, BACKGROUND_LABEL) < 0) return { skip: 'execute.skip.empty_region' };
      const spec = backgroundSpec(ctx.args, ctx.backgroundSource);
      if ('skip' in spec) return spec;
      // The photo is scaled (libvips) while the matte's statistics run on the pool.
      const prepared = prepareBackground(spec, image.width, image.height, ctx.limits);
      prepared.catch(() => undefined);
      const keep = labelTable(ctx.map.labels, [BACKGROUND_LABEL], true);
      const out = await matteComposite(pool, { image, map: ctx.map.data, keep, mode: 'replace', source: prepared, wrap: spec.kind === 'photo' ? 0.3 : 0.2 });
      if (out.keptShare >= 1) return { skip: 'execute.skip.empty_region' };
      return { image: out.image };
    }
  }
}
