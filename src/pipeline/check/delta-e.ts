/**
 * Colour difference of two photos inside edit regions, in CIELAB (D65, the sRGB white; the same
 * Lab as culori's `lab65`). Pure and synchronous: it runs on the check's worker (worker.ts) on
 * copies scaled down to the working size, never on the event loop.
 */

/** One region's measurement. */
export interface RegionDelta {
  /** Mean CIE76 ΔE, weighted by the region's alpha. */
  meanDeltaE: number;
  /** Share of the region (by weight) whose ΔE is at least `noticeable`. */
  changedFraction: number;
  /** Total weight (≈ pixels at working size): 0 means the region vanished when scaled down. */
  weight: number;
}

export interface DeltaTask {
  width: number;
  height: number;
  /** RGBA, 8 bits, working size. */
  before: Uint8Array;
  after: Uint8Array;
  /** One alpha plane per region (working size, 0..255), or null for the whole photo. */
  regions: (Uint8Array | null)[];
  /** ΔE counted as a visible change per pixel (default 2.3, a just-noticeable difference). */
  noticeable?: number;
}

const LINEAR = new Float64Array(256);
for (let v = 0; v < 256; v++) {
  const c = v / 255;
  LINEAR[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
// D65 white from its chromaticity (x 0.3127, y 0.3290), Y = 1.
const XN = 0.3127 / 0.329;
const ZN = (1 - 0.3127 - 0.329) / 0.329;
const E = 216 / 24389;
const K = 24389 / 27;

function f(t: number): number {
  return t > E ? Math.cbrt(t) : (K * t + 16) / 116;
}

/** sRGB 8-bit → Lab (D65). Exported for tests; `out` is written in place. */
export function rgbToLab(r: number, g: number, b: number, out: [number, number, number] = [0, 0, 0]): [number, number, number] {
  const R = LINEAR[r]!;
  const G = LINEAR[g]!;
  const B = LINEAR[b]!;
  const x = (0.4123907992659595 * R + 0.357584339383878 * G + 0.1804807884018343 * B) / XN;
  const y = 0.21263900587151027 * R + 0.715168678767756 * G + 0.07219231536073371 * B;
  const z = (0.01933081871559182 * R + 0.11919477979462598 * G + 0.9505321522496606 * B) / ZN;
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
  return out;
}

/**
 * Per-region weighted mean ΔE between two RGBA photos. A change of opacity counts like a change of
 * lightness (fully transparent vs opaque = 100), so "remove" and "cutout" register even where the
 * colour behind is unchanged.
 */
export function regionDeltas(task: DeltaTask): RegionDelta[] {
  const { width, height, before, after, regions } = task;
  const n = width * height;
  const noticeable = task.noticeable ?? 2.3;
  const sums = regions.map(() => ({ de: 0, changed: 0, weight: 0 }));
  const a: [number, number, number] = [0, 0, 0];
  const b: [number, number, number] = [0, 0, 0];
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    let any = false;
    for (const r of regions) if (r === null || r[i]! > 0) (any = true);
    if (!any) continue;
    rgbToLab(before[p]!, before[p + 1]!, before[p + 2]!, a);
    rgbToLab(after[p]!, after[p + 1]!, after[p + 2]!, b);
    const dl = a[0] - b[0];
    const da = a[1] - b[1];
    const db = a[2] - b[2];
    const alphaMin = Math.min(before[p + 3]!, after[p + 3]!) / 255;
    // Colour counts as much as it is visible; opacity change counts on its own.
    const de = Math.max(Math.sqrt(dl * dl + da * da + db * db) * alphaMin, (Math.abs(before[p + 3]! - after[p + 3]!) * 100) / 255);
    for (let k = 0; k < regions.length; k++) {
      const r = regions[k]!;
      const w = r === null ? 1 : r[i]! / 255;
      if (w === 0) continue;
      const s = sums[k]!;
      s.de += de * w;
      s.weight += w;
      if (de >= noticeable) s.changed += w;
    }
  }
  return sums.map((s) => ({ meanDeltaE: s.weight ? s.de / s.weight : 0, changedFraction: s.weight ? s.changed / s.weight : 0, weight: s.weight }));
}
