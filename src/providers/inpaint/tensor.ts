import type { InpaintCard } from '../../config/schemas/inpaint.js';

/**
 * Pixels ↔ tensors for an inpainting card. RGB comes interleaved (HWC, 8-bit), the mask as one byte
 * per pixel (non-zero = fill). Inputs are `pixel × scale + offset` in the card's type and layout;
 * the mask is binary in the card's polarity (hole / keep values).
 */
export interface ModelInputs {
  image: Uint8Array | Float32Array;
  mask: Uint8Array | Float32Array;
  imageDims: number[];
  maskDims: number[];
}

export function toInputs(card: InpaintCard, rgb: Uint8Array, mask: Uint8Array, width: number, height: number): ModelInputs {
  const n = width * height;
  const { image: spec } = card;
  const image = spec.type === 'uint8' ? new Uint8Array(n * 3) : new Float32Array(n * 3);
  const round = spec.type === 'uint8';
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      let v = rgb[i * 3 + k]! * spec.scale + spec.offset;
      if (round) v = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      image[spec.layout === 'NCHW' ? k * n + i : i * 3 + k] = v;
    }
  }
  const m = card.mask.type === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = mask[i] ? card.mask.hole : card.mask.keep;
  return {
    image,
    mask: m,
    imageDims: spec.layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3],
    maskDims: card.mask.layout === 'NCHW' ? [1, 1, height, width] : [1, height, width, 1],
  };
}

/** Output tensor → interleaved 8-bit RGB; the dims must be [1,3,H,W] (or [1,H,W,3] for NHWC). */
export function fromOutput(card: InpaintCard, data: ArrayLike<number>, dims: readonly number[], width: number, height: number): Uint8Array {
  const nchw = card.output.layout === 'NCHW';
  const ok = dims.length === 4 && dims[0] === 1 && (nchw ? dims[1] === 3 && dims[2] === height && dims[3] === width : dims[3] === 3 && dims[1] === height && dims[2] === width);
  if (!ok) throw new Error(`output shape [${dims.join(',')}], expected ${nchw ? `[1,3,${height},${width}]` : `[1,${height},${width},3]`}`);
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const { scale, offset } = card.output;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = (Number(data[nchw ? k * n + i : i * 3 + k]) - offset) / scale;
      out[i * 3 + k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/** Working size for a crop: fixed models take their size; dynamic ones keep the aspect, longer side = width. */
export function workingSize(card: InpaintCard, width: number, height: number): { width: number; height: number } {
  const { input } = card;
  if (!input.dynamic) return { width: input.width, height: input.height };
  const k = input.width / Math.max(width, height);
  const m = input.multipleOf;
  const snap = (v: number) => Math.max(m, Math.round((v * k) / m) * m);
  return { width: snap(width), height: snap(height) };
}
