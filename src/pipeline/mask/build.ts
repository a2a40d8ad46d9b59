import type { LabelMap, Mask } from '../types.js';

export interface Point {
  x: number;
  y: number;
}

export interface MaskOptions {
  /** Labels to edit; ["*"] = the whole image. Names not in the map's label list select nothing. */
  labels: readonly string[];
  /** Clicked points (thesis figure 4-3); each adds the segment under it. */
  points?: Point[];
  /** Edge optimisation (thesis algorithm 5); default true. */
  optimize?: boolean;
  /** Kept label → half-kernel in pixels by which the edit region grows into it. Default: from config/masks.yaml. */
  erode?: Record<string, number>;
  /** "segment" (default): a point selects its 4-connected segment; "label": every pixel of its label. */
  pointMode?: 'segment' | 'label';
}

export const WHOLE_IMAGE = '*';

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** Index of a label in the map's list: exact name first, then ignoring case, spaces, `_` and `-`. */
export function labelIndex(labels: readonly string[], name: string): number {
  const exact = labels.indexOf(name);
  if (exact >= 0) return exact;
  const wanted = normalise(name);
  return labels.findIndex((l) => normalise(l) === wanted);
}

/**
 * Builds the binary edit mask (255 edit, 0 keep) from a label map. Linear in the pixel count;
 * the edge optimisation costs the same whatever the strength.
 */
export function buildMask(map: LabelMap, opts: MaskOptions): Mask {
  const { width, height, data } = map;
  const n = width * height;
  const out = new Uint8Array(n);
  if (opts.labels.includes(WHOLE_IMAGE)) {
    out.fill(255);
    return { width, height, data: out };
  }
  const selected = new Uint8Array(256);
  for (const name of opts.labels) {
    const idx = labelIndex(map.labels, name);
    if (idx >= 0) selected[idx] = 255;
  }
  for (let i = 0; i < n; i++) out[i] = selected[data[i]!]!;

  const points = (opts.points ?? []).filter((p) => Number.isInteger(p.x) && Number.isInteger(p.y) && p.x >= 0 && p.y >= 0 && p.x < width && p.y < height);
  if (points.length > 0) {
    if (opts.pointMode === 'label') {
      const byPoint = new Uint8Array(256);
      for (const p of points) byPoint[data[p.y * width + p.x]!] = 255;
      for (let i = 0; i < n; i++) out[i] |= byPoint[data[i]!]!;
    } else {
      const stack = new Int32Array(n);
      const visited = new Uint8Array(n);
      for (const p of points) fillSegment(map, p.y * width + p.x, out, visited, stack);
    }
  }

  if (opts.optimize !== false) {
    const erode = opts.erode ?? defaultErodeStrengths(map);
    growIntoErodable(map, out, erode, selected);
  }
  return { width, height, data: out };
}

/**
 * Marks the 4-connected region of equal label around `start` as edit, iteratively. `visited` is
 * separate from `out` because `out` may already hold 255 where a label was chosen by name.
 */
function fillSegment(map: LabelMap, start: number, out: Uint8Array, visited: Uint8Array, stack: Int32Array): void {
  if (visited[start]) return;
  const { width, data } = map;
  const n = data.length;
  const label = data[start]!;
  let top = 0;
  stack[top++] = start;
  visited[start] = 1;
  while (top > 0) {
    const i = stack[--top]!;
    out[i] = 255;
    const x = i % width;
    if (x > 0 && !visited[i - 1] && data[i - 1] === label) (visited[i - 1] = 1), (stack[top++] = i - 1);
    if (x < width - 1 && !visited[i + 1] && data[i + 1] === label) (visited[i + 1] = 1), (stack[top++] = i + 1);
    if (i >= width && !visited[i - width] && data[i - width] === label) (visited[i - width] = 1), (stack[top++] = i - width);
    if (i + width < n && !visited[i + width] && data[i + width] === label) (visited[i + width] = 1), (stack[top++] = i + width);
  }
}

/** Default strengths from config/masks.yaml: each listed label gets round(width / widthDivisor) unless fixed. */
export function erodeStrengths(
  width: number,
  cfg: { labels: readonly string[]; widthDivisor: number; strength: Record<string, number> },
): Record<string, number> {
  const auto = Math.max(1, Math.round(width / cfg.widthDivisor));
  const out: Record<string, number> = {};
  for (const label of cfg.labels) out[label] = cfg.strength[label] ?? auto;
  return out;
}

let configuredErode: { labels: readonly string[]; widthDivisor: number; strength: Record<string, number> } | undefined;

/** Set by callers that loaded config/masks.yaml; the thesis defaults otherwise (keeps this module config-free). */
export function setErodeDefaults(cfg: { labels: readonly string[]; widthDivisor: number; strength: Record<string, number> }): void {
  configuredErode = cfg;
}

function defaultErodeStrengths(map: LabelMap): Record<string, number> {
  return currentErodeStrengths(map.width);
}

/** The strengths buildMask uses by default for a photo `width` wide (for callers that build masks in a worker). */
export function currentErodeStrengths(width: number): Record<string, number> {
  return erodeStrengths(width, configuredErode ?? { labels: ['Hair', 'Upper-clothes', 'Dress'], widthDivisor: 80, strength: {} });
}

/**
 * Thesis algorithm 5 as DESIGN.md states it: kept pixels whose label has a strength r join the edit
 * region when they lie within r (square kernel, Chebyshev distance) of the edit region as it was
 * before growing. One separable dilation per distinct strength, restricted to the rectangle where
 * it can change anything: linear in the pixels, independent of r.
 */
function growIntoErodable(map: LabelMap, mask: Uint8Array, erode: Record<string, number>, chosen: Uint8Array): void {
  const { width, height, data } = map;
  const strength = new Int32Array(256);
  const byRadius = new Map<number, Uint8Array>();
  for (const [name, r] of Object.entries(erode)) {
    const idx = labelIndex(map.labels, name);
    if (idx < 0 || !(r > 0)) continue;
    const radius = Math.round(r);
    strength[idx] = radius;
    if (!byRadius.has(radius)) byRadius.set(radius, new Uint8Array(256));
    byRadius.get(radius)![idx] = 1;
  }
  if (byRadius.size === 0) return;
  // Bounding boxes of the edit region and of the candidate labels (erodable ones not chosen by name;
  // a superset of the kept erodable pixels, which is all the rectangle needs). Native row scans
  // (indexOf/lastIndexOf) instead of a branch per pixel: this pass dominated the cost.
  const candidates: number[] = [];
  for (let l = 0; l < 256; l++) if (strength[l] && !chosen[l]) candidates.push(l);
  let ex0 = width, ex1 = -1, ey0 = height, ey1 = -1;
  let cx0 = width, cx1 = -1, cy0 = height, cy1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const m = mask.subarray(row, row + width);
    const first = m.indexOf(255);
    if (first >= 0) {
      if (first < ex0) ex0 = first;
      const last = m.lastIndexOf(255);
      if (last > ex1) ex1 = last;
      if (ey0 > y) ey0 = y;
      ey1 = y;
    }
    const d = data.subarray(row, row + width);
    for (const l of candidates) {
      const f = d.indexOf(l);
      if (f < 0) continue;
      if (f < cx0) cx0 = f;
      const last = d.lastIndexOf(l);
      if (last > cx1) cx1 = last;
      if (cy0 > y) cy0 = y;
      cy1 = y;
    }
  }
  if (ex1 < 0 || cx1 < 0) return;
  const base = byRadius.size > 1 ? mask.slice() : mask;
  for (const [r, inGroup] of byRadius) {
    // Pixels that may change: candidates within r of the edit region's box.
    const rx0 = Math.max(cx0, ex0 - r), rx1 = Math.min(cx1, ex1 + r);
    const ry0 = Math.max(cy0, ey0 - r), ry1 = Math.min(cy1, ey1 + r);
    if (rx0 > rx1 || ry0 > ry1) continue;
    growWindow(base, mask, data, width, height, r, inGroup, rx0, rx1, ry0, ry1);
  }
}

/**
 * Square dilation of `base` by r evaluated on the rectangle [rx0..rx1]×[ry0..ry1]; pixels there
 * that are reached, kept, and of a label in `inGroup` become edit in `mask`. The dilation reads
 * `base` within r around the rectangle. Four passes with running distances (rows left/right,
 * columns down/up), no kernel loop.
 */
function growWindow(
  base: Uint8Array,
  mask: Uint8Array,
  data: Uint8Array,
  width: number,
  height: number,
  r: number,
  inGroup: Uint8Array,
  rx0: number,
  rx1: number,
  ry0: number,
  ry1: number,
): void {
  // Window = rectangle grown by r (clamped): every base pixel that can reach the rectangle.
  const wx0 = Math.max(0, rx0 - r), wx1 = Math.min(width - 1, rx1 + r);
  const wy0 = Math.max(0, ry0 - r), wy1 = Math.min(height - 1, ry1 + r);
  const ww = wx1 - wx0 + 1;
  const wh = wy1 - wy0 + 1;
  const horiz = new Uint8Array(ww * wh);
  // Small enough that FAR + width stays a V8 small integer.
  const FAR = 1 << 24;
  for (let y = 0; y < wh; y++) {
    const src = (wy0 + y) * width + wx0;
    const row = y * ww;
    let d = FAR;
    for (let x = 0; x < ww; x++) {
      d = base[src + x] ? 0 : d + 1;
      horiz[row + x] = d <= r ? 1 : 0;
    }
    d = FAR;
    for (let x = ww - 1; x >= 0; x--) {
      d = base[src + x] ? 0 : d + 1;
      if (d <= r) horiz[row + x] = 1;
    }
  }
  const down = new Uint8Array(ww * wh);
  const dist = new Int32Array(ww).fill(FAR);
  for (let y = 0; y < wh; y++) {
    const row = y * ww;
    for (let x = 0; x < ww; x++) {
      const d = horiz[row + x] ? 0 : dist[x]! + 1;
      dist[x] = d;
      down[row + x] = d <= r ? 1 : 0;
    }
  }
  dist.fill(FAR);
  const ox0 = rx0 - wx0, ox1 = rx1 - wx0;
  const oy0 = ry0 - wy0, oy1 = ry1 - wy0;
  for (let y = wh - 1; y >= 0; y--) {
    const row = y * ww;
    const inRows = y >= oy0 && y <= oy1;
    const img = (wy0 + y) * width + wx0;
    for (let x = 0; x < ww; x++) {
      const d = horiz[row + x] ? 0 : dist[x]! + 1;
      dist[x] = d;
      if (inRows && x >= ox0 && x <= ox1 && (d <= r || down[row + x]) && !mask[img + x] && inGroup[data[img + x]!]) mask[img + x] = 255;
    }
  }
}

export function unionMasks(a: Mask, b: Mask): Mask {
  assertSameSize(a, b);
  const out = new Uint8Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! | b.data[i]! ? 255 : 0;
  return { width: a.width, height: a.height, data: out };
}

/** Pixels of `a` that are not in `b`. */
export function subtractMask(a: Mask, b: Mask): Mask {
  assertSameSize(a, b);
  const out = new Uint8Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! && !b.data[i]! ? 255 : 0;
  return { width: a.width, height: a.height, data: out };
}

function assertSameSize(a: Mask, b: Mask): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`mask sizes differ: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  }
}

export function maskBoundingBox(mask: Mask): { left: number; top: number; width: number; height: number } | null {
  const { width, height, data } = mask;
  let left = width;
  let right = -1;
  let top = -1;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) if (data[row + x]) { first = x; break; }
    if (first < 0) continue;
    let last = first;
    for (let x = width - 1; x > first; x--) if (data[row + x]) { last = x; break; }
    if (top < 0) top = y;
    bottom = y;
    if (first < left) left = first;
    if (last > right) right = last;
  }
  if (top < 0) return null;
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** Share of pixels in the mask (0..1). */
export function maskCoverage(mask: Mask): number {
  let c = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) c++;
  return mask.data.length ? c / mask.data.length : 0;
}
