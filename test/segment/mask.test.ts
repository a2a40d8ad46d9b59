import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import sharp from 'sharp';
import {
  buildMask,
  dilateSquare,
  featherInside,
  maskBoundingBox,
  parsePoints,
  subtractMask,
  unionMasks,
} from '../../src/pipeline/mask/index.js';
import { encodeAlphaMaskPng, encodeMaskPng } from '../../src/core/mask-png.js';
import { mapFromRows, maskRows } from './helpers.js';

// Labels: 0 Background, 2 Hair, 4 Upper-clothes, 6 Pants, b = 11 Face.
const PERSON = mapFromRows([
  '0000000000',
  '0002220000',
  '000bbb0000',
  '0044444000',
  '0044444000',
  '0006660000',
]);

describe('keyword masks', () => {
  it('selects exactly the pixels of the named labels', () => {
    const m = buildMask(PERSON, { labels: ['Upper-clothes', 'Face'], optimize: false });
    expect(maskRows(m)).toEqual([
      '..........',
      '..........',
      '...###....',
      '..#####...',
      '..#####...',
      '..........',
    ]);
  });

  it('matches names ignoring case, spaces and hyphens, and ignores labels the model lacks', () => {
    const m = buildMask(PERSON, { labels: ['upper clothes', 'Wings'], optimize: false });
    expect(maskRows(m)[3]).toBe('..#####...');
    expect(maskRows(m)[2]).toBe('..........');
  });

  it('["*"] is the whole image', () => {
    const m = buildMask(PERSON, { labels: ['*'] });
    expect(m.data.every((v) => v === 255)).toBe(true);
  });

  it('is binary 255/0 and the size of the map', () => {
    const m = buildMask(PERSON, { labels: ['Hair'], optimize: false });
    expect(m.width).toBe(10);
    expect(m.height).toBe(6);
    expect(new Set(m.data)).toEqual(new Set([0, 255]));
  });
});

describe('point masks', () => {
  const TWO_SHOES = mapFromRows([
    '00000000',
    '09900990',
    '09900990',
    '00000000',
  ]);

  it('a point selects its whole connected segment, not other segments of the same label', () => {
    const m = buildMask(TWO_SHOES, { labels: [], points: [{ x: 1, y: 1 }], optimize: false });
    expect(maskRows(m)).toEqual(['........', '.##.....', '.##.....', '........']);
  });

  it('in label mode a point selects every pixel of its label', () => {
    const m = buildMask(TWO_SHOES, { labels: [], points: [{ x: 1, y: 1 }], optimize: false, pointMode: 'label' });
    expect(maskRows(m)).toEqual(['........', '.##..##.', '.##..##.', '........']);
  });

  it('points add to keyword labels; segments are 4-connected', () => {
    const DIAG = mapFromRows(['2000', '0200', '0044']);
    const m = buildMask(DIAG, { labels: ['Upper-clothes'], points: [{ x: 0, y: 0 }], optimize: false });
    expect(maskRows(m)).toEqual(['#...', '....', '..##']);
  });

  it('parses "x,y;x,y" and refuses points outside the image', () => {
    expect(parsePoints('1,2; 3,0', 10, 10)).toEqual([{ x: 1, y: 2 }, { x: 3, y: 0 }]);
    expect(() => parsePoints('10,2', 10, 10)).toThrow(/segment.bad_points/);
    expect(() => parsePoints('a,b', 10, 10)).toThrow(/segment.bad_points/);
    expect(() => parsePoints('', 10, 10)).toThrow(/segment.bad_points/);
  });
});

describe('edge optimisation (thesis algorithm 5)', () => {
  it('grows the edit region into bordering erodable kept parts by the strength, square kernel', () => {
    // Edit the face; hair above and clothes below are erodable, background is not.
    const m = buildMask(PERSON, { labels: ['Face'], erode: { Hair: 1, 'Upper-clothes': 1 } });
    expect(maskRows(m)).toEqual([
      '..........',
      '...###....', // hair within 1 of the face
      '...###....',
      '..#####...', // clothes row touching the face, diagonals included (square kernel)
      '..........', // 2 away from the face: kept
      '..........',
    ]);
  });

  it('never touches kept parts that are not listed', () => {
    const m = buildMask(PERSON, { labels: ['Face'], erode: { Hair: 5 } });
    expect(maskRows(m)[3]).toBe('..........');
    expect(maskRows(m)[1]).toBe('...###....');
  });

  it('strength 2 reaches two pixels deep', () => {
    const m = buildMask(PERSON, { labels: ['Face'], erode: { 'Upper-clothes': 2 } });
    expect(maskRows(m)[4]).toBe('..#####...');
    expect(maskRows(m)[5]).toBe('..........');
  });

  it('uses the default erode labels and width/80 when none are given', () => {
    // 160 wide: half-kernel 2. Hair band two rows above a background edit region.
    const rows = ['0'.repeat(160), ...Array(4).fill('2'.repeat(160)), ...Array(4).fill('6'.repeat(160))];
    const map = mapFromRows(rows);
    const m = buildMask(map, { labels: ['Background'] });
    expect(maskRows(m).map((r) => r[0])).toEqual(['#', '#', '#', '.', '.', '.', '.', '.', '.']);
    const off = buildMask(map, { labels: ['Background'], optimize: false });
    expect(maskRows(off).map((r) => r[0])).toEqual(['#', '.', '.', '.', '.', '.', '.', '.', '.']);
  });

  it('measures distance from the region before growth (no chaining through grown pixels)', () => {
    const map = mapFromRows(['4422222']);
    const m = buildMask(map, { labels: ['Upper-clothes'], erode: { Hair: 2 } });
    expect(maskRows(m)).toEqual(['####...']);
  });
});

describe('edge optimisation against a brute-force reading of the rule', () => {
  it('edit ∪ {kept pixel of label L with an edit pixel within strength(L), square kernel}', () => {
    const labels = ['Background', 'Hair', 'Face', 'Upper-clothes'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }),
        fc.integer({ min: 1, max: 14 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 196, maxLength: 196 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        (w, h, cells, rHair, rClothes) => {
          const data = Uint8Array.from(cells.slice(0, w * h));
          const map = { width: w, height: h, data, labels };
          const erode = { Hair: rHair, 'Upper-clothes': rClothes };
          const got = buildMask(map, { labels: ['Face'], erode });
          const strength = [0, rHair, 0, rClothes];
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const l = data[y * w + x]!;
              let want = l === 2;
              const r = strength[l]!;
              if (!want && r > 0)
                for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
                  for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) if (data[yy * w + xx] === 2) want = true;
              if ((got.data[y * w + x] === 255) !== want) return false;
            }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('dilateSquare', () => {
  it('equals a brute-force square kernel for any radius', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.boolean(), { minLength: 144, maxLength: 144 }),
        (w, h, r, bits) => {
          const src = new Uint8Array(w * h).map((_, i) => (bits[i] ? 1 : 0));
          const got = dilateSquare(src, w, h, r);
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              let want = 0;
              for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
                for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) if (src[yy * w + xx]) want = 1;
              if (got[y * w + x] !== want) return false;
            }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('mask algebra', () => {
  const a = { width: 4, height: 1, data: Uint8Array.from([255, 255, 0, 0]) };
  const b = { width: 4, height: 1, data: Uint8Array.from([0, 255, 255, 0]) };
  it('union and difference', () => {
    expect([...unionMasks(a, b).data]).toEqual([255, 255, 255, 0]);
    expect([...subtractMask(a, b).data]).toEqual([255, 0, 0, 0]);
  });
  it('refuses masks of different sizes', () => {
    expect(() => unionMasks(a, { width: 2, height: 2, data: new Uint8Array(4) })).toThrow(/sizes differ/);
  });
  it('bounding box, or null for an empty mask', () => {
    expect(maskBoundingBox(buildMask(PERSON, { labels: ['Upper-clothes'], optimize: false }))).toEqual({ left: 2, top: 3, width: 5, height: 2 });
    expect(maskBoundingBox({ width: 3, height: 3, data: new Uint8Array(9) })).toBeNull();
  });
});

describe('featherInside', () => {
  const rows = ['..........', '.########.', '.########.', '.########.', '.########.', '..........'];
  const mask = {
    width: 10,
    height: 6,
    data: Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 255 : 0))),
  };
  it('keeps every pixel outside the mask at 0 and ramps up inside', () => {
    const alpha = featherInside(mask, 2);
    for (let i = 0; i < alpha.length; i++) if (!mask.data[i]) expect(alpha[i]).toBe(0);
    const edge = alpha[1 * 10 + 1]!;
    const inner = alpha[2 * 10 + 3]!;
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(inner);
  });
  it('radius 0 is the mask itself; a whole-image mask is not faded at the border', () => {
    expect([...featherInside(mask, 0)]).toEqual([...mask.data]);
    const whole = { width: 5, height: 5, data: new Uint8Array(25).fill(255) };
    expect(featherInside(whole, 3).every((v) => v === 255)).toBe(true);
  });
});

describe('mask export', () => {
  const m = buildMask(PERSON, { labels: ['Face'], optimize: false });
  it('SD WebUI convention: 8-bit grey PNG, white = edit', async () => {
    const png = await encodeMaskPng(m);
    const meta = await sharp(png).metadata();
    expect(meta.channels).toBe(1);
    expect(png[25]).toBe(0); // PNG colour type 0: greyscale
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([...data]).toEqual([...m.data]);
  });
  it('OpenAI convention: RGBA PNG, transparent = edit', async () => {
    const png = await encodeAlphaMaskPng(m);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    for (let i = 0; i < m.data.length; i++) expect(data[i * 4 + 3]).toBe(m.data[i] ? 0 : 255);
  });
});
