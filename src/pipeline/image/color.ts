/**
 * Colour math for the pixel kernels: sRGB ↔ OKLab (Björn Ottosson, 2020) with lookup tables for the
 * transfer function, and the gamut boundary of one hue. Plain functions on numbers so the hot loops
 * in the workers stay monomorphic; culori is used for names and in tests, not per pixel.
 */

/** sRGB 8-bit → linear light 0..1. */
export const SRGB_TO_LINEAR: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const c = i / 255;
    t[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  return t;
})();

const ENCODE_STEPS = 16384;
/** Linear light quantised to 1/16384 → sRGB 8-bit (rounded). Fine enough in the shadows (< 1 level). */
export const LINEAR_TO_SRGB: Uint8Array = (() => {
  const t = new Uint8Array(ENCODE_STEPS + 1);
  for (let i = 0; i <= ENCODE_STEPS; i++) {
    const c = i / ENCODE_STEPS;
    const v = c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
    t[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return t;
})();

export function encodeLinear(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return LINEAR_TO_SRGB[(v * ENCODE_STEPS + 0.5) | 0]!;
}

/** OKLab lightness of an 8-bit sRGB colour (0 black … 1 white). */
export function oklabL(r8: number, g8: number, b8: number): number {
  const r = SRGB_TO_LINEAR[r8]!, g = SRGB_TO_LINEAR[g8]!, b = SRGB_TO_LINEAR[b8]!;
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
}

/** OKLab of an 8-bit sRGB colour, written into `out` as [L, a, b]. */
export function rgbToOklab(r8: number, g8: number, b8: number, out: Float64Array | number[]): void {
  const r = SRGB_TO_LINEAR[r8]!, g = SRGB_TO_LINEAR[g8]!, b = SRGB_TO_LINEAR[b8]!;
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  out[0] = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  out[1] = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  out[2] = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
}

/** OKLab → linear sRGB (may be out of 0..1), written into `out`. */
export function oklabToLinear(L: number, a: number, b: number, out: Float64Array | number[]): void {
  const l_ = L + 0.3963377774 * a + 0.2158037573 * b;
  const m_ = L - 0.1055613458 * a - 0.0638541728 * b;
  const s_ = L - 0.0894841775 * a - 1.291485548 * b;
  const l = l_ * l_ * l_, m = m_ * m_ * m_, s = s_ * s_ * s_;
  out[0] = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
  out[1] = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
  out[2] = -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s;
}

/** Hex "#rrggbb" (or "#rgb") → [r, g, b] 0..255; grey for anything else. */
export function hexToRgb(v: unknown): [number, number, number] {
  const s = typeof v === 'string' ? v.trim() : '';
  const m = /^#?([0-9a-f]{6})$/i.exec(s) ?? /^#?([0-9a-f]{3})$/i.exec(s);
  if (!m) return [128, 128, 128];
  const hex = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
}

/** Lightness, chroma and hue (radians) in OKLab of an 8-bit colour. */
export function oklch(rgb: readonly [number, number, number]): { L: number; C: number; h: number } {
  const o = [0, 0, 0];
  rgbToOklab(rgb[0], rgb[1], rgb[2], o);
  return { L: o[0]!, C: Math.hypot(o[1]!, o[2]!), h: Math.atan2(o[2]!, o[1]!) };
}

export const GAMUT_STEPS = 1024;

/**
 * The largest in-gamut OKLab chroma for hue `h` at each lightness L = i / (GAMUT_STEPS − 1): the
 * sRGB boundary of that hue, found by bisection. One table per recolour (the hue is fixed), so the
 * per-pixel gamut mapping is a lookup and chroma is reduced at constant lightness and hue.
 */
export function maxChromaTable(h: number): Float32Array {
  const t = new Float32Array(GAMUT_STEPS);
  const ca = Math.cos(h), sb = Math.sin(h);
  const rgb = [0, 0, 0];
  const inGamut = (L: number, C: number) => {
    oklabToLinear(L, C * ca, C * sb, rgb);
    const e = 1e-6;
    return rgb[0]! >= -e && rgb[0]! <= 1 + e && rgb[1]! >= -e && rgb[1]! <= 1 + e && rgb[2]! >= -e && rgb[2]! <= 1 + e;
  };
  for (let i = 0; i < GAMUT_STEPS; i++) {
    const L = i / (GAMUT_STEPS - 1);
    let lo = 0, hi = 0.4;
    for (let k = 0; k < 22; k++) {
      const mid = (lo + hi) / 2;
      if (inGamut(L, mid)) lo = mid;
      else hi = mid;
    }
    t[i] = lo;
  }
  return t;
}
