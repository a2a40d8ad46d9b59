import type { RawImage } from '../../core/image-io.js';

/**
 * Pixels shared with the worker pool. Photos live in SharedArrayBuffers while they are edited, so
 * the kernels write into them in place, several row bands at once, without copying 36 MB per task.
 */
export interface ImageRef {
  buffer: SharedArrayBuffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function isShared(image: RawImage): boolean {
  return image.data.buffer instanceof SharedArrayBuffer && image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength;
}

/** A zero-filled shared byte buffer, viewed as a Node Buffer. */
export function sharedBytes(length: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(Math.max(1, length)), 0, length);
}

/** The image in shared memory: itself when it already is, else one copy (a memcpy, no per-pixel loop). */
export function toShared(image: RawImage): RawImage {
  if (isShared(image)) return image;
  const data = sharedBytes(image.data.length);
  image.data.copy(data);
  return { data, width: image.width, height: image.height, channels: image.channels };
}

const SLICE = 2 << 20;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Copies `src` into `dst` in 2 MB slices, yielding to the event loop between them: a 36 MB copy
 * into fresh memory takes 15–40 ms (page faults), too long for one turn of a bot's event loop.
 */
export async function copySliced(src: Uint8Array, dst: Uint8Array): Promise<void> {
  for (let at = 0; at < src.length; at += SLICE) {
    dst.set(src.subarray(at, Math.min(src.length, at + SLICE)), at);
    if (at + SLICE < src.length) await nextTurn();
  }
}

/** toShared without a long block: the copy runs in slices across event-loop turns. */
export async function toSharedAsync(image: RawImage): Promise<RawImage> {
  if (isShared(image)) return image;
  const data = sharedBytes(image.data.length);
  await copySliced(image.data, data);
  return { data, width: image.width, height: image.height, channels: image.channels };
}

/** `shared` without a long block. */
export async function sharedAsync(bytes: Uint8Array): Promise<SharedArrayBuffer> {
  if (bytes.buffer instanceof SharedArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  const sab = new SharedArrayBuffer(Math.max(1, bytes.byteLength));
  await copySliced(bytes, new Uint8Array(sab));
  return sab;
}

export function shared(bytes: Uint8Array): SharedArrayBuffer {
  if (bytes.buffer instanceof SharedArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  const sab = new SharedArrayBuffer(Math.max(1, bytes.byteLength));
  new Uint8Array(sab).set(bytes);
  return sab;
}

export function ref(image: RawImage): ImageRef {
  const s = toShared(image);
  return { buffer: s.data.buffer as SharedArrayBuffer, width: s.width, height: s.height, channels: s.channels };
}

export function fromRef(r: ImageRef): RawImage {
  return { data: Buffer.from(r.buffer, 0, r.width * r.height * r.channels), width: r.width, height: r.height, channels: r.channels };
}

/**
 * Splits rows [top, bottom) into at most `parts` bands whose starts are multiples of `align`
 * (relative to `top`), so bands that accumulate into coarse cells never share a cell.
 */
export function rowBands(top: number, bottom: number, parts: number, align = 1): [number, number][] {
  const rows = bottom - top;
  if (rows <= 0) return [];
  const cells = Math.ceil(rows / align);
  const n = Math.max(1, Math.min(parts, cells));
  const out: [number, number][] = [];
  let start = 0;
  for (let k = 0; k < n; k++) {
    const endCell = Math.round(((k + 1) * cells) / n);
    const end = Math.min(rows, endCell * align);
    if (end > start) out.push([top + start, top + end]);
    start = end;
  }
  return out;
}
