/**
 * Square (Chebyshev) dilation of a binary mask by radius r, separable and in time linear in the
 * pixel count whatever r is: each pass keeps the distance to the nearest set pixel seen so far
 * instead of scanning a kernel. Same result as a (2r+1)×(2r+1) square kernel, the thesis' erosion.
 * Non-zero input pixels count as set; output is 1/0.
 */
export function dilateSquare(src: Uint8Array, width: number, height: number, r: number, out?: Uint8Array): Uint8Array {
  const n = width * height;
  const result = out ?? new Uint8Array(n);
  if (r <= 0) {
    for (let i = 0; i < n; i++) result[i] = src[i]! ? 1 : 0;
    return result;
  }
  const horiz = new Uint8Array(n);
  // Small enough that FAR + width stays a small integer (V8 Smi): overflowing it costs 5-10×.
  const FAR = 1 << 24;
  // Rows: distance to the nearest set pixel on the left, then on the right.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let d = FAR;
    for (let x = 0; x < width; x++) {
      d = src[row + x]! ? 0 : d + 1;
      horiz[row + x] = d <= r ? 1 : 0;
    }
    d = FAR;
    for (let x = width - 1; x >= 0; x--) {
      d = src[row + x]! ? 0 : d + 1;
      if (d <= r) horiz[row + x] = 1;
    }
  }
  // Columns, walked row by row with one counter per column so memory is read in order.
  const dist = new Int32Array(width).fill(FAR);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const d = horiz[row + x]! ? 0 : dist[x]! + 1;
      dist[x] = d;
      result[row + x] = d <= r ? 1 : 0;
    }
  }
  dist.fill(FAR);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const d = horiz[row + x]! ? 0 : dist[x]! + 1;
      dist[x] = d;
      if (d <= r) result[row + x] = 1;
    }
  }
  return result;
}

/**
 * Chamfer (3-4) distance from every set pixel to the nearest unset pixel, in units of 1/3 pixel,
 * two passes. Pixels beyond the image border count as set, so a mask touching the border is not
 * faded there. Unset pixels get 0.
 */
export function insideDistance(src: Uint8Array, width: number, height: number): Uint16Array {
  const n = width * height;
  const CAP = 0xfff0;
  const d = new Uint16Array(n);
  for (let i = 0; i < n; i++) d[i] = src[i]! ? CAP : 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      let v = d[i]!;
      if (v === 0) continue;
      if (x > 0) v = Math.min(v, d[i - 1]! + 3);
      if (y > 0) {
        v = Math.min(v, d[i - width]! + 3);
        if (x > 0) v = Math.min(v, d[i - width - 1]! + 4);
        if (x < width - 1) v = Math.min(v, d[i - width + 1]! + 4);
      }
      d[i] = v;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = width - 1; x >= 0; x--) {
      const i = row + x;
      let v = d[i]!;
      if (v === 0) continue;
      if (x < width - 1) v = Math.min(v, d[i + 1]! + 3);
      if (y < height - 1) {
        v = Math.min(v, d[i + width]! + 3);
        if (x < width - 1) v = Math.min(v, d[i + width + 1]! + 4);
        if (x > 0) v = Math.min(v, d[i + width - 1]! + 4);
      }
      d[i] = v;
    }
  }
  return d;
}
