import type { LabelMap } from '../../core/types.js';
import type { MaskOptions } from '../mask/build.js';
import { countLabels, maskWithBox, tint } from './kernels.js';

/** Piscina task handlers (one named export per task); results go back by transfer, label maps come shared. */

export function histogram(t: { data: Uint8Array; slots: number }): Float64Array {
  return countLabels(t.data, t.slots);
}

export function overlay(t: { rgb: Uint8Array; w: number; h: number; ch: number; map: Pick<LabelMap, 'width' | 'height' | 'data'> }): Uint8Array {
  return tint(t.rgb, t.w, t.h, t.ch, t.map);
}

export function mask(t: { map: LabelMap; opts: MaskOptions; invert: boolean }): ReturnType<typeof maskWithBox> {
  return maskWithBox(t.map, t.opts, t.invert);
}
