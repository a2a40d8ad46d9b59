/**
 * Generated photos for the pixel tests and the benchmarks: a portrait with a textured background,
 * dark hair with strands, a cream knit top with folds, trousers and a bag, and its label map (ATR
 * order). Edges are rendered soft (mixed pixels carry the old background, hair tips reach past the
 * label boundary) while the label map is a hard threshold, as a segmenter would give it; that is
 * what makes halo and matte checks meaningful.
 */
export const ATR = [
  'Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt', 'Pants', 'Dress', 'Belt', 'Left-shoe',
  'Right-shoe', 'Face', 'Left-leg', 'Right-leg', 'Left-arm', 'Right-arm', 'Bag', 'Scarf',
] as const;
export const L_BG = 0, L_HAIR = 2, L_TOP = 4, L_PANTS = 6, L_FACE = 11, L_LARM = 14, L_RARM = 15, L_BAG = 16;

export interface Scene {
  width: number;
  height: number;
  /** Interleaved RGB. */
  rgb: Buffer;
  map: { width: number; height: number; data: Uint8Array; labels: readonly string[] };
  /** Person coverage 0..1 as rendered (soft at the edges). */
  coverage: Float32Array;
  /** The background colour before the person was drawn over it (RGB, interleaved). */
  background: Buffer;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Smooth value noise on a lattice of `cell` pixels, values 0..1. */
function valueNoise(width: number, height: number, cell: number, seed: number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const r = rng(seed);
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = r();
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    let fy = gy - y0;
    fy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      let fx = gx - x0;
      fx = fx * fx * (3 - 2 * fx);
      const a = grid[y0 * gw + x0]!, b = grid[y0 * gw + x0 + 1]!, c = grid[(y0 + 1) * gw + x0]!, d = grid[(y0 + 1) * gw + x0 + 1]!;
      out[y * width + x] = a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
    }
  }
  return out;
}

const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const smooth = (e0: number, e1: number, v: number) => {
  const t = Math.min(1, Math.max(0, (v - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

export interface PortraitOptions {
  seed?: number;
  /** Top colour (RGB 0..255) before knit and folds. Default cream (highlights stay below 255). */
  top?: [number, number, number];
  /** Hair colour. Default dark brown. */
  hair?: [number, number, number];
  /** Background tint. Default a muted green-grey room. */
  backgroundTint?: [number, number, number];
  /** Edge softness in pixels at 1000 px width (scaled with the width). */
  edge?: number;
}

/**
 * A portrait `width`×`height`: the person is centred, the face in the upper third. All sizes scale
 * with the width, so a 600 px test image and a 4000 px benchmark photo look alike.
 */
export function portraitScene(width: number, height: number, opts: PortraitOptions = {}): Scene {
  const seed = opts.seed ?? 7;
  const n = width * height;
  const u = width / 1000; // one "unit" = 1 px at 1000 px width
  const edge = Math.max(1, (opts.edge ?? 1.5) * u);
  const top = opts.top ?? [202, 192, 170];
  const hair = opts.hair ?? [48, 34, 26];
  const tint = opts.backgroundTint ?? [120, 140, 118];
  const big = valueNoise(width, height, Math.max(4, Math.round(140 * u)), seed);
  const mid = valueNoise(width, height, Math.max(2, Math.round(18 * u)), seed + 1);
  const r = rng(seed + 2);
  const rgb = Buffer.alloc(n * 3);
  const background = Buffer.alloc(n * 3);
  const data = new Uint8Array(n);
  const coverage = new Float32Array(n);
  // Per-column strand phase and brightness (hair strands run vertically).
  const strand = new Float32Array(width);
  for (let x = 0; x < width; x++) strand[x] = r();
  const cx = width / 2;
  const faceCy = height * 0.27, faceRx = width * 0.085, faceRy = height * 0.11;
  const hairCy = height * 0.25, hairRx = width * 0.12, hairRy = height * 0.15;
  const topY0 = height * 0.39, topY1 = height * 0.72;
  const bag = { x0: width * 0.7, x1: width * 0.84, y0: height * 0.55, y1: height * 0.75 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const p = i * 3;
      // Background: a lit wall, brighter to the upper left, with soft blotches and grain.
      const light = 0.8 + 0.25 * (1 - (x / width) * 0.6 - (y / height) * 0.4) + 0.18 * (big[i]! - 0.5);
      const grain = (mid[i]! - 0.5) * 14;
      const bgR = clamp255(tint[0] * light + grain);
      const bgG = clamp255(tint[1] * light + grain);
      const bgB = clamp255(tint[2] * light + grain);
      background[p] = bgR;
      background[p + 1] = bgG;
      background[p + 2] = bgB;

      // Signed distances (positive inside) of the parts, in pixels.
      const fx = (x - cx) / faceRx, fy = (y - faceCy) / faceRy;
      const dFace = (1 - Math.sqrt(fx * fx + fy * fy)) * Math.min(faceRx, faceRy);
      const hx = (x - cx) / hairRx, hy = (y - hairCy) / hairRy;
      // Strand tips: the hair outline wobbles at strand frequency, so tips reach past the hard label edge.
      const wobble = (Math.sin(x * 0.9 / u + strand[x]! * 6) * 0.5 + (strand[x]! - 0.5)) * 5 * u;
      const dHair = (1 - Math.sqrt(hx * hx + hy * hy)) * Math.min(hairRx, hairRy) + wobble;
      const halfW = width * (0.17 + 0.05 * smooth(topY0, topY0 + height * 0.08, y));
      const dTop = Math.min(halfW - Math.abs(x - cx), y - topY0, topY1 - y);
      const pantsHalf = width * 0.14;
      const dPants = Math.min(pantsHalf - Math.abs(x - cx), y - topY1 + edge * 2);
      const dBag = Math.min(x - bag.x0, bag.x1 - x, y - bag.y0, bag.y1 - y);
      const armHalf = width * 0.035;
      const dArmL = Math.min(armHalf - Math.abs(x - (cx - halfW - armHalf * 0.7)), y - topY0 - height * 0.03, topY1 - y);
      const dArmR = Math.min(armHalf - Math.abs(x - (cx + halfW + armHalf * 0.7)), y - topY0 - height * 0.03, topY1 - y);
      // Paint order (front last): pants, top, arms, hair, face, bag.
      let label = L_BG;
      let cov = 0;
      let cr = bgR, cg = bgG, cb = bgB;
      const layer = (d: number, lab: number, colour: () => [number, number, number]) => {
        const a = smooth(-edge, edge, d);
        if (a <= 0) return;
        const [lr, lg, lb] = colour();
        cr = cr + (lr - cr) * a;
        cg = cg + (lg - cg) * a;
        cb = cb + (lb - cb) * a;
        cov = cov + (1 - cov) * a;
        if (a >= 0.5) label = lab;
      };
      layer(dPants, L_PANTS, () => {
        const s = 0.85 + 0.2 * big[i]!;
        return [34 * s + grain * 0.3, 44 * s + grain * 0.3, 78 * s + grain * 0.3];
      });
      layer(dTop, L_TOP, () => {
        // Knit: a rib every ~6 units with a V stitch, plus folds (large diagonal waves) and a
        // shadow towards the sides.
        const rib = Math.sin((x / (6 * u)) * Math.PI * 2) * 0.5 + Math.sin(((x + Math.abs(((y / u) % 8) - 4) * u) / (3 * u)) * Math.PI) * 0.5;
        const fold = Math.sin(((x * 0.6 + y) / (90 * u)) * Math.PI * 2) * 0.13 + (big[i]! - 0.5) * 0.16;
        const side = 1 - 0.22 * Math.pow(Math.abs(x - cx) / halfW, 2);
        const s = (1 + fold) * side * (1 + rib * 0.05);
        return [top[0] * s, top[1] * s, top[2] * s];
      });
      const skin = (): [number, number, number] => {
        const s = 0.92 + 0.12 * big[i]!;
        return [214 * s, 168 * s, 140 * s];
      };
      layer(dArmL, L_LARM, skin);
      layer(dArmR, L_RARM, skin);
      layer(dHair, L_HAIR, () => {
        // Strands: a bright/dark value per column (blurred by the sine), highlights at the crown.
        const st = (strand[x]! - 0.5) * 0.7 + Math.sin(x * 1.7 / u + y * 0.05 / u) * 0.25;
        const crown = 0.25 * Math.max(0, 1 - Math.abs(hy + 0.55) * 2.2);
        const s = 1 + st + crown + (mid[i]! - 0.5) * 0.3;
        return [hair[0] * s, hair[1] * s, hair[2] * s];
      });
      layer(dFace, L_FACE, skin);
      layer(dBag, L_BAG, () => {
        const s = 0.9 + 0.2 * mid[i]!;
        return [150 * s, 88 * s, 40 * s];
      });
      rgb[p] = clamp255(cr);
      rgb[p + 1] = clamp255(cg);
      rgb[p + 2] = clamp255(cb);
      data[i] = label;
      coverage[i] = label === L_BAG ? 0 : cov;
    }
  }
  return { width, height, rgb, map: { width, height, data, labels: ATR }, coverage, background };
}

/** A second photo (e.g. for "use this as the background"): sky, sea and sand with texture. */
export function beachPhoto(width: number, height: number, seed = 11): Buffer {
  const n = width * height;
  const rgb = Buffer.alloc(n * 3);
  const u = width / 1000;
  const noise = valueNoise(width, height, Math.max(2, Math.round(12 * u)), seed);
  const clouds = valueNoise(width, height, Math.max(4, Math.round(120 * u)), seed + 1);
  for (let y = 0; y < height; y++) {
    const t = y / height;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const g = (noise[i]! - 0.5) * 16;
      let c: [number, number, number];
      if (t < 0.45) {
        const k = t / 0.45;
        const cl = Math.max(0, clouds[i]! - 0.55) * 2.2;
        c = [90 + 80 * k, 150 + 60 * k, 230 - 10 * k];
        c = [c[0] + (250 - c[0]) * cl, c[1] + (250 - c[1]) * cl, c[2] + (250 - c[2]) * cl];
      } else if (t < 0.62) {
        const wave = Math.sin(x / (9 * u) + y / (3 * u)) * 10;
        c = [20 + wave, 110 + wave, 150 + wave];
      } else {
        c = [222, 196, 150];
      }
      rgb[i * 3] = clamp255(c[0] + g);
      rgb[i * 3 + 1] = clamp255(c[1] + g);
      rgb[i * 3 + 2] = clamp255(c[2] + g);
    }
  }
  return rgb;
}
