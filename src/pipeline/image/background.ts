import sharp from 'sharp';
import { hexToRgb, oklabToLinear, rgbToOklab } from './color.js';
import { DEFAULT_LIMITS, inspectImage, type ImageLimits } from '../../core/image-io.js';
import type { BackgroundSource, FieldSource } from './kernels/matte-apply.js';
import { copySliced, sharedBytes } from './shared.js';

/**
 * New backgrounds without a generator: a second photo (scaled to cover the frame, centred), a
 * solid colour (white for ID photos and product shots), a vertical gradient, or a studio backdrop
 * (a seamless paper lit from the front: brighter behind the subject, falling off to the corners).
 * Colours and gradients are coarse float fields, sampled with a little dither, so a 12 MP sky-to-
 * white gradient shows no banding.
 */
export type BackgroundSpec =
  | { kind: 'photo'; photo: Buffer }
  | { kind: 'color'; color: string }
  | { kind: 'gradient'; from: string; to: string }
  | { kind: 'backdrop'; color: string };

export const BACKGROUND_SOURCES = ['photo', 'color', 'gradient', 'backdrop'] as const;
/** The studio grey of a seamless paper backdrop. */
export const BACKDROP_GREY = '#8e9095';

function linearToSrgb(v: number): number {
  const c = v <= 0 ? 0 : v >= 1 ? 1 : v;
  return 255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055);
}

/** sRGB 0..255 floats of an OKLab colour (clipped to the gamut). */
function oklabToSrgb(L: number, a: number, b: number): [number, number, number] {
  const lin = [0, 0, 0];
  oklabToLinear(L, a, b, lin);
  return [linearToSrgb(lin[0]!), linearToSrgb(lin[1]!), linearToSrgb(lin[2]!)];
}

function field(values: Float32Array, gw: number, gh: number, width: number, height: number): FieldSource {
  const data = new SharedArrayBuffer(values.byteLength);
  new Float32Array(data).set(values);
  return { kind: 'field', data, gw, gh, left: 0, top: 0, cellX: width / gw, cellY: height / gh };
}

export function colorField(color: string, width: number, height: number): FieldSource {
  return field(Float32Array.from(hexToRgb(color)), 1, 1, width, height);
}

/** Top-to-bottom gradient interpolated in OKLab (no muddy middle). */
export function gradientField(from: string, to: string, width: number, height: number): FieldSource {
  const steps = 256;
  const a = [0, 0, 0], b = [0, 0, 0];
  const ca = hexToRgb(from), cb = hexToRgb(to);
  rgbToOklab(ca[0], ca[1], ca[2], a);
  rgbToOklab(cb[0], cb[1], cb[2], b);
  const v = new Float32Array(steps * 3);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    const rgb = oklabToSrgb(a[0]! + (b[0]! - a[0]!) * t, a[1]! + (b[1]! - a[1]!) * t, a[2]! + (b[2]! - a[2]!) * t);
    v.set(rgb, i * 3);
  }
  return field(v, 1, steps, width, height);
}

/** Seamless-paper studio backdrop in `color`: a soft pool of light behind the subject. */
export function backdropField(color: string, width: number, height: number): FieldSource {
  const gw = 64;
  const gh = Math.max(2, Math.round((64 * height) / width));
  const c = hexToRgb(color);
  const lab = [0, 0, 0];
  rgbToOklab(c[0], c[1], c[2], lab);
  const v = new Float32Array(gw * gh * 3);
  const aspect = width / height;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const dx = ((x + 0.5) / gw - 0.5) * aspect;
      const dy = (y + 0.5) / gh - 0.42;
      const r2 = (dx * dx + dy * dy) / (0.25 * (1 + aspect * aspect));
      const k = 1.12 - 0.3 * Math.min(1.4, r2) - 0.04 * ((y + 0.5) / gh);
      const L = Math.min(0.97, lab[0]! * k);
      v.set(oklabToSrgb(L, lab[1]! * k, lab[2]! * k), (y * gw + x) * 3);
    }
  }
  return field(v, gw, gh, width, height);
}

/**
 * The second photo scaled to cover width×height (centred crop), as a shared RGB buffer, and a
 * coarse copy for the light wrap. The photo is checked against the same limits as the first.
 */
export async function photoBackground(photo: Buffer, width: number, height: number, limits: ImageLimits = DEFAULT_LIMITS): Promise<{ source: BackgroundSource; wrap: FieldSource }> {
  await inspectImage(photo, limits);
  const raw = await sharp(photo, { limitInputPixels: limits.maxPixels, pages: 1, page: 0 })
    .rotate()
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const buffer = sharedBytes(width * height * 3);
  await copySliced(raw, buffer);
  const gw = Math.max(1, Math.round(width / Math.max(1, Math.max(width, height) / 250)));
  const gh = Math.max(1, Math.round((gw * height) / width));
  const small = await sharp(raw, { raw: { width, height, channels: 3 } }).resize(gw, gh, { fit: 'fill' }).raw().toBuffer();
  return { source: { kind: 'image', buffer: buffer.buffer as SharedArrayBuffer }, wrap: field(Float32Array.from(small), gw, gh, width, height) };
}

export async function prepareBackground(spec: BackgroundSpec, width: number, height: number, limits?: ImageLimits): Promise<{ source: BackgroundSource; wrap: FieldSource }> {
  switch (spec.kind) {
    case 'photo':
      return photoBackground(spec.photo, width, height, limits);
    case 'color': {
      const f = colorField(spec.color, width, height);
      return { source: f, wrap: f };
    }
    case 'gradient': {
      const f = gradientField(spec.from, spec.to, width, height);
      return { source: f, wrap: f };
    }
    case 'backdrop': {
      const f = backdropField(spec.color, width, height);
      return { source: f, wrap: f };
    }
  }
}
