import type { ImageRef } from '../shared.js';
import { bilinear, sampleAxis } from './grid.js';
import type { MatteGeometry } from './matte.js';

/**
 * The last pass of matte compositing (see matte.ts for the statistics and the filter solve): in
 * the band around the boundary, the solved coefficients give the soft matte, the old background is
 * taken out of mixed pixels, and the new background (a photo or a colour field) goes in, with a
 * light wrap; away from the band, kept pixels are copied and replaced ones are the new background.
 */
/**
 * A colour field over (part of) the photo, sampled bilinearly: interleaved RGB Float32 ('field'),
 * RGB bytes ('rgb8'), or unpremultiplied RGBA bytes from a blur of a masked region ('premult', whose
 * alpha says how much of the region each value came from).
 */
export interface FieldSource {
  kind: 'field' | 'rgb8' | 'premult';
  data: SharedArrayBuffer;
  gw: number;
  gh: number;
  /** Photo coordinates of the field's top-left corner and the size of one field cell in pixels. */
  left: number;
  top: number;
  cellX: number;
  cellY: number;
}

/** The new background: a full-resolution photo (RGB, photo-sized), or a field sampled bilinearly. */
export type BackgroundSource = { kind: 'image'; buffer: SharedArrayBuffer } | FieldSource;

export interface MatteApplyTask {
  kind: 'matte.apply';
  /** 'replace': composite over a new background in place; 'alpha': write RGBA with the matte as alpha. */
  mode: 'replace' | 'alpha';
  image: ImageRef;
  /** For 'alpha': the RGBA output (same size); for 'replace': unused (written in place). */
  out?: ImageRef;
  map: SharedArrayBuffer;
  keep: Uint8Array;
  geo: MatteGeometry;
  rows: [number, number];
  solved: SharedArrayBuffer;
  solvedCoarse: SharedArrayBuffer;
  source?: BackgroundSource;
  /** Light wrap strength 0..1 (replace only): the new background's light spills over the edge. */
  wrap: number;
  /** Smooth version of the new background for the light wrap. */
  wrapSource?: FieldSource;
}

/** Below this coverage a blurred-region sample is replaced (gradually) by the old background estimate. */
const LOW_COVERAGE = 0.25;

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0);

/** Bilinear sampling of a field along the columns [x0, x1) of one row at a time. */
export class FieldSampler {
  private readonly src: Float32Array | Uint8Array;
  private readonly channels: 3 | 4;
  readonly i0: Int32Array;
  readonly tx: Float32Array;
  /** The current row, interpolated vertically once: 4 floats per field column (RGB premultiplied by coverage, coverage). */
  readonly line: Float32Array;
  private lastRow = -1;
  /** Coverage (0..1) of the last sample: how much of it came from the blurred region (1 for plain fields). */
  coverage = 1;
  constructor(private readonly s: FieldSource, x0: number, x1: number) {
    this.src = s.kind === 'field' ? new Float32Array(s.data) : new Uint8Array(s.data);
    this.channels = s.kind === 'premult' ? 4 : 3;
    const axis = sampleAxis(x0, x1, s.left, s.cellX, s.gw);
    this.i0 = axis.i0;
    this.tx = axis.t;
    this.line = new Float32Array(s.gw * 4);
  }
  row(y: number): void {
    const s = this.s;
    let g = (y - s.top + 0.5) / s.cellY - 0.5;
    g = g < 0 ? 0 : g > s.gh - 1 ? s.gh - 1 : g;
    let y0 = Math.floor(g);
    if (y0 >= s.gh - 1) y0 = Math.max(0, s.gh - 2);
    const ty = s.gh > 1 ? g - y0 : 0;
    const key = y0 * 4096 + Math.round(ty * 4095);
    if (key === this.lastRow) return;
    this.lastRow = key;
    const c = this.channels;
    const r0 = y0 * s.gw * c, r1 = (s.gh > 1 ? y0 + 1 : y0) * s.gw * c;
    const f = this.src, line = this.line;
    for (let x = 0; x < s.gw; x++) {
      const a = r0 + x * c, b = r1 + x * c, o = x * 4;
      if (c === 4) {
        const wa = f[a + 3]! * (1 - ty), wb = f[b + 3]! * ty;
        line[o] = f[a]! * wa + f[b]! * wb;
        line[o + 1] = f[a + 1]! * wa + f[b + 1]! * wb;
        line[o + 2] = f[a + 2]! * wa + f[b + 2]! * wb;
        line[o + 3] = wa + wb;
      } else {
        line[o] = f[a]! + (f[b]! - f[a]!) * ty;
        line[o + 1] = f[a + 1]! + (f[b + 1]! - f[a + 1]!) * ty;
        line[o + 2] = f[a + 2]! + (f[b + 2]! - f[a + 2]!) * ty;
        line[o + 3] = 1;
      }
    }
  }
  /** Colour at column index xi into out; false where a blurred region has no coverage. */
  at(xi: number, out: number[], dither: number): boolean {
    const i0 = this.i0[xi]!, tx = this.tx[xi]!;
    const a = i0 * 4, b = (this.s.gw > 1 ? i0 + 1 : i0) * 4;
    const line = this.line;
    if (this.channels === 3) {
      out[0] = line[a]! + (line[b]! - line[a]!) * tx + dither;
      out[1] = line[a + 1]! + (line[b + 1]! - line[a + 1]!) * tx + dither;
      out[2] = line[a + 2]! + (line[b + 2]! - line[a + 2]!) * tx + dither;
      return true;
    }
    // Premultiplied: colours were weighted by their coverage; divide by the interpolated coverage.
    const wa = 1 - tx;
    const sum = line[a + 3]! * wa + line[b + 3]! * tx;
    this.coverage = sum / 255;
    if (sum < 1e-3) return false;
    out[0] = (line[a]! * wa + line[b]! * tx) / sum;
    out[1] = (line[a + 1]! * wa + line[b + 1]! * tx) / sum;
    out[2] = (line[a + 2]! * wa + line[b + 2]! * tx) / sum;
    return true;
  }
}

export function matteApplyKernel(t: MatteApplyTask): { changed: number } {
  const { image, geo, keep, mode } = t;
  const { region, cell, gw, gh, cw, ch } = geo;
  const cc = cell * geo.coarse;
  const W0 = image.width;
  const c = image.channels;
  const data = new Uint8Array(image.buffer);
  const map = new Uint8Array(t.map);
  const n = gw * gh;
  const m = cw * ch;
  const solved = new Float32Array(t.solved);
  const Ar = solved.subarray(0, n), Ag = solved.subarray(n, 2 * n), Ab = solved.subarray(2 * n, 3 * n), B = solved.subarray(3 * n, 4 * n);
  const Wg = solved.subarray(4 * n, 5 * n), Pw = solved.subarray(5 * n, 6 * n);
  const sc = new Float32Array(t.solvedCoarse);
  const bgR = sc.subarray(0, m), bgG = sc.subarray(m, 2 * m), bgB = sc.subarray(2 * m, 3 * m);
  const fgR = sc.subarray(3 * m, 4 * m), fgG = sc.subarray(4 * m, 5 * m), fgB = sc.subarray(5 * m, 6 * m);
  const out = mode === 'alpha' ? new Uint8Array(t.out!.buffer) : data;
  const oc = mode === 'alpha' ? 4 : c;

  const x0 = region.left, x1 = region.left + region.width;
  const fx = sampleAxis(x0, x1, x0, cell, gw);
  const cxs = sampleAxis(x0, x1, x0, cc, cw);
  const src = t.source;
  const srcImage = src?.kind === 'image' ? new Uint8Array(src.buffer) : undefined;
  const field = src && src.kind !== 'image' ? new FieldSampler(src, x0, x1) : undefined;
  const wrap = mode === 'replace' && t.wrap > 0 && t.wrapSource ? new FieldSampler(t.wrapSource, x0, x1) : undefined;
  const nb = [0, 0, 0];
  const fc = [0, 0, 0];
  const wc = [0, 0, 0];
  let changed = 0;
  // Cells whose bilinear footprint touches the band; elsewhere the matte is exactly 0 or 1.
  const nz = new Uint8Array(n);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const x1c = Math.min(gw - 1, x + 1), y1c = Math.min(gh - 1, y + 1);
      nz[y * gw + x] = Wg[y * gw + x]! > 0.002 || Wg[y * gw + x1c]! > 0.002 || Wg[y1c * gw + x]! > 0.002 || Wg[y1c * gw + x1c]! > 0.002 ? 1 : 0;
    }
  }
  const rowNz = new Uint8Array(gh);
  for (let y = 0; y < gh; y++) for (let x = 0; x < gw && !rowNz[y]; x++) if (nz[y * gw + x]) rowNz[y] = 1;
  // A plain colour needs no sampling.
  const flat = src && src.kind === 'field' && src.gw === 1 && src.gh === 1 ? Array.from(new Float32Array(src.data), (v) => clampByte(v)) : undefined;

  let cy0 = 0, cty = 0;
  const fsrc = field ? (src as FieldSource) : undefined;
  /**
   * The new background from a field at a replaced pixel away from the band (current row). For a
   * blurred region, where little of it reached (next to the kept part), the old background's
   * local estimate takes over gradually: an 8-bit sample with tiny coverage is unreliable.
   */
  const writeField = (xi: number, p: number, x: number, y: number): number => {
    const { line, i0, tx } = field!;
    const a = i0[xi]! * 4, b = fsrc!.gw > 1 ? a + 4 : a, t1 = tx[xi]!, t0 = 1 - t1;
    if (fsrc!.kind !== 'premult') {
      const d = (((x * 7 + y * 13) & 15) / 16 - 0.47) * 0.9;
      for (let q = 0; q < 3; q++) {
        const v = line[a + q]! * t0 + line[b + q]! * t1 + d;
        data[p + q] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
      }
      return 1;
    }
    const sum = line[a + 3]! * t0 + line[b + 3]! * t1;
    const cov = sum / 255;
    let k = 1;
    if (cov < LOW_COVERAGE) {
      k = sum < 1e-3 ? 0 : cov / LOW_COVERAGE;
      const cx = cxs.i0[xi]!, ctx = cxs.t[xi]!;
      nb[0] = bilinear(bgR, cw, ch, cx, ctx, cy0, cty);
      nb[1] = bilinear(bgG, cw, ch, cx, ctx, cy0, cty);
      nb[2] = bilinear(bgB, cw, ch, cx, ctx, cy0, cty);
    }
    for (let q = 0; q < 3; q++) {
      let v = k > 0 ? (line[a + q]! * t0 + line[b + q]! * t1) / sum : 0;
      if (k < 1) v = v * k + nb[q]! * (1 - k);
      data[p + q] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
    return 1;
  };

  for (let y = t.rows[0]; y < t.rows[1]; y++) {
    if (y < region.top || y >= region.top + region.height) {
      if (mode === 'alpha') copyRowAlpha(data, out, c, W0, y, 0, W0, map, keep);
      continue;
    }
    let gy = (y - region.top + 0.5) / cell - 0.5;
    gy = gy < 0 ? 0 : gy > gh - 1 ? gh - 1 : gy;
    let fy0 = Math.floor(gy);
    if (fy0 >= gh - 1) fy0 = Math.max(0, gh - 2);
    const fty = gh > 1 ? gy - fy0 : 0;
    let gy2 = (y - region.top + 0.5) / cc - 0.5;
    gy2 = gy2 < 0 ? 0 : gy2 > ch - 1 ? ch - 1 : gy2;
    cy0 = Math.floor(gy2);
    if (cy0 >= ch - 1) cy0 = Math.max(0, ch - 2);
    cty = ch > 1 ? gy2 - cy0 : 0;
    field?.row(y);
    wrap?.row(y);
    if (mode === 'alpha') {
      copyRowAlpha(data, out, c, W0, y, 0, x0, map, keep);
      copyRowAlpha(data, out, c, W0, y, x1, W0, map, keep);
    }
    // Rows far from the band: a tight loop (most of a photo).
    const far = !rowNz[fy0] && (fy0 + 1 >= gh || !rowNz[fy0 + 1]);
    if (far && mode === 'alpha') {
      changed += copyRowAlpha(data, out, c, W0, y, x0, x1, map, keep);
      continue;
    }
    if (far && (srcImage || flat)) {
      changed += fillRow(data, c, W0, y, x0, x1, map, keep, srcImage, flat);
      continue;
    }
    if (far && field) {
      for (let xi = 0; xi < region.width; xi++) {
        const i = y * W0 + x0 + xi;
        if (!keep[map[i]!]) changed += writeField(xi, i * c, x0 + xi, y);
      }
      continue;
    }
    for (let xi = 0; xi < region.width; xi++) {
      const x = x0 + xi;
      const i = y * W0 + x;
      const p = i * c;
      const kept = keep[map[i]!]!;
      const fxi = fx.i0[xi]!, ftx = fx.t[xi]!;
      let w = 0;
      if (nz[fy0 * gw + fxi]) {
        w = bilinear(Wg, gw, gh, fxi, ftx, fy0, fty);
        if (w < 0.002) w = 0;
      }
      if (w === 0 && mode === 'replace') {
        // away from the band: kept pixels stay as they are, replaced ones are the new background
        if (kept) continue;
        if (flat) {
          data[p] = flat[0]!;
          data[p + 1] = flat[1]!;
          data[p + 2] = flat[2]!;
          changed++;
          continue;
        }
        if (field) {
          changed += writeField(xi, p, x, y);
          continue;
        }
      }
      const r = data[p]!, g = data[p + 1]!, b = data[p + 2]!;
      let alpha: number;
      if (w === 0) {
        alpha = kept;
      } else {
        let q =
          (bilinear(Ar, gw, gh, fxi, ftx, fy0, fty) * r + bilinear(Ag, gw, gh, fxi, ftx, fy0, fty) * g + bilinear(Ab, gw, gh, fxi, ftx, fy0, fty) * b) / 255 +
          bilinear(B, gw, gh, fxi, ftx, fy0, fty);
        q = q < 0 ? 0 : q > 1 ? 1 : q;
        alpha = kept + (q - kept) * w;
      }
      if (mode === 'alpha') {
        const po = i * 4;
        const inA = c === 4 ? data[p + 3]! : 255;
        if (alpha >= 1) {
          out[po] = r;
          out[po + 1] = g;
          out[po + 2] = b;
          out[po + 3] = inA;
          continue;
        }
        changed++;
        if (alpha <= 0) {
          out[po] = r;
          out[po + 1] = g;
          out[po + 2] = b;
          out[po + 3] = 0;
          continue;
        }
        decontaminate(r, g, b, alpha, cxs.i0[xi]!, cxs.t[xi]!, cy0, cty, bgR, bgG, bgB, fgR, fgG, fgB, cw, ch, fc);
        out[po] = clampByte(fc[0]!);
        out[po + 1] = clampByte(fc[1]!);
        out[po + 2] = clampByte(fc[2]!);
        out[po + 3] = clampByte(alpha * inA);
        continue;
      }
      // replace: kept pixels away from the band are never touched
      if (alpha >= 1) continue;
      if (srcImage) {
        nb[0] = srcImage[i * 3]!;
        nb[1] = srcImage[i * 3 + 1]!;
        nb[2] = srcImage[i * 3 + 2]!;
      } else if (!field) {
        continue;
      } else {
        const ok = field.at(xi, nb, (((x * 7 + y * 13) & 15) / 16 - 0.47) * 0.9);
        if (src!.kind === 'premult' && field.coverage < LOW_COVERAGE) {
          // Little of the blurred region reached here (next to the kept part): its 8-bit colour is
          // unreliable, so lean on the old background's local colour (a blur of pure background).
          const k = ok ? field.coverage / LOW_COVERAGE : 0;
          const cx = cxs.i0[xi]!, ctx = cxs.t[xi]!;
          nb[0] = nb[0]! * k + bilinear(bgR, cw, ch, cx, ctx, cy0, cty) * (1 - k);
          nb[1] = nb[1]! * k + bilinear(bgG, cw, ch, cx, ctx, cy0, cty) * (1 - k);
          nb[2] = nb[2]! * k + bilinear(bgB, cw, ch, cx, ctx, cy0, cty) * (1 - k);
        } else if (!ok) {
          continue;
        }
      }
      changed++;
      if (alpha <= 0) {
        data[p] = clampByte(nb[0]!);
        data[p + 1] = clampByte(nb[1]!);
        data[p + 2] = clampByte(nb[2]!);
        continue;
      }
      decontaminate(r, g, b, alpha, cxs.i0[xi]!, cxs.t[xi]!, cy0, cty, bgR, bgG, bgB, fgR, fgG, fgB, cw, ch, fc);
      let or = alpha * fc[0]! + (1 - alpha) * nb[0]!;
      let og = alpha * fc[1]! + (1 - alpha) * nb[1]!;
      let ob = alpha * fc[2]! + (1 - alpha) * nb[2]!;
      if (wrap) {
        const lw = t.wrap * w * alpha * (1 - bilinear(Pw, gw, gh, fxi, ftx, fy0, fty));
        if (lw > 0 && wrap.at(xi, wc, 0)) {
          or += lw * (wc[0]! - or);
          og += lw * (wc[1]! - og);
          ob += lw * (wc[2]! - ob);
        }
      }
      data[p] = clampByte(or);
      data[p + 1] = clampByte(og);
      data[p + 2] = clampByte(ob);
    }
  }
  return { changed };
}

/**
 * The kept part's own colour at a mixed pixel: F = (I − (1 − α)·B_old) / α, with B_old the old
 * background's local colour. Where α is small that ratio is unstable, so it leans on the kept
 * part's nearby colour instead, and it never strays far from that colour.
 */
function decontaminate(
  r: number, g: number, b: number, alpha: number,
  cx: number, ctx: number, cy: number, cty: number,
  bgR: Float32Array, bgG: Float32Array, bgB: Float32Array,
  fgR: Float32Array, fgG: Float32Array, fgB: Float32Array,
  cw: number, ch: number, out: number[],
): void {
  const u = (alpha - 0.1) / 0.5;
  const t = alpha <= 0.1 ? 0 : alpha >= 0.6 ? 1 : u * u * (3 - 2 * u);
  const inv = 1 - alpha;
  const div = alpha > 0.05 ? alpha : 0.05;
  out[0] = mix(r, inv, div, t, bilinear(bgR, cw, ch, cx, ctx, cy, cty), bilinear(fgR, cw, ch, cx, ctx, cy, cty));
  out[1] = mix(g, inv, div, t, bilinear(bgG, cw, ch, cx, ctx, cy, cty), bilinear(fgG, cw, ch, cx, ctx, cy, cty));
  out[2] = mix(b, inv, div, t, bilinear(bgB, cw, ch, cx, ctx, cy, cty), bilinear(fgB, cw, ch, cx, ctx, cy, cty));
}

/** Largest step of the unmixed colour away from the kept part's nearby colour (a wrong old-background estimate must not create sparks). */
const MAX_UNMIX = 96;

function mix(v: number, inv: number, div: number, t: number, old: number, near: number): number {
  let f = (v - inv * old) / div;
  if (f > near + MAX_UNMIX) f = near + MAX_UNMIX;
  else if (f < near - MAX_UNMIX) f = near - MAX_UNMIX;
  f = f < 0 ? 0 : f > 255 ? 255 : f;
  return near + (f - near) * t;
}

/** RGBA copy of a row span; alpha 0 where the label is not kept. Returns how many became transparent. */
function copyRowAlpha(src: Uint8Array, dst: Uint8Array, c: number, width: number, y: number, xa: number, xb: number, map: Uint8Array, keep: Uint8Array): number {
  let cleared = 0;
  for (let x = xa; x < xb; x++) {
    const i = y * width + x;
    const p = i * c;
    const q = i * 4;
    dst[q] = src[p]!;
    dst[q + 1] = src[p + 1]!;
    dst[q + 2] = src[p + 2]!;
    if (keep[map[i]!]!) dst[q + 3] = c === 4 ? src[p + 3]! : 255;
    else {
      dst[q + 3] = 0;
      cleared++;
    }
  }
  return cleared;
}

/** Replaced pixels of a row span far from the band: the new background, byte for byte. */
function fillRow(data: Uint8Array, c: number, width: number, y: number, xa: number, xb: number, map: Uint8Array, keep: Uint8Array, image: Uint8Array | undefined, flat: number[] | undefined): number {
  let n = 0;
  const r = flat ? flat[0]! : 0, g = flat ? flat[1]! : 0, b = flat ? flat[2]! : 0;
  for (let x = xa; x < xb; x++) {
    const i = y * width + x;
    if (keep[map[i]!]) continue;
    const p = i * c;
    if (image) {
      const q = i * 3;
      data[p] = image[q]!;
      data[p + 1] = image[q + 1]!;
      data[p + 2] = image[q + 2]!;
    } else {
      data[p] = r;
      data[p + 1] = g;
      data[p + 2] = b;
    }
    n++;
  }
  return n;
}
