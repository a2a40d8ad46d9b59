import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeLabelMap, encodeLabelMap } from '../../src/core/labelmap-png.js';
import { labelFractions, presentLabels } from '../../src/pipeline/labelmap.js';
import { ATR, mapFromRows } from './helpers.js';

describe('label map PNG', () => {
  const map = mapFromRows(['0022', '44bb', 'h000']);

  it('is an 8-bit single-channel PNG whose values are label indices, and round-trips', async () => {
    const png = await encodeLabelMap(map);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.channels).toBe(1);
    expect(meta.depth).toBe('uchar');
    const back = await decodeLabelMap(png, ATR);
    expect(back.width).toBe(4);
    expect(back.height).toBe(3);
    expect([...back.data]).toEqual([...map.data]);
  });

  it('refuses values outside the label list, naming the value and where it is', async () => {
    const png = await encodeLabelMap(map); // contains 17 (Scarf)
    await expect(decodeLabelMap(png, ATR.slice(0, 12))).rejects.toMatchObject({
      key: 'segment.labelmap_bad_value',
      params: { value: 17, x: 0, y: 2, count: 12 },
    });
  });

  it('reads a grey map saved as RGB, refuses real colour, JPEG, empty and garbage files', async () => {
    const rgb = await sharp(Buffer.from([0, 0, 0, 2, 2, 2]), { raw: { width: 2, height: 1, channels: 3 } }).png().toBuffer();
    expect([...(await decodeLabelMap(rgb, ATR)).data]).toEqual([0, 2]);
    const colour = await sharp(Buffer.from([0, 1, 2, 2, 2, 2]), { raw: { width: 2, height: 1, channels: 3 } }).png().toBuffer();
    await expect(decodeLabelMap(colour, ATR)).rejects.toMatchObject({ key: 'segment.labelmap_unreadable' });
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).jpeg().toBuffer();
    await expect(decodeLabelMap(jpeg, ATR)).rejects.toMatchObject({ key: 'segment.labelmap_unreadable' });
    await expect(decodeLabelMap(Buffer.alloc(0), ATR)).rejects.toMatchObject({ key: 'segment.labelmap_unreadable' });
    await expect(decodeLabelMap(Buffer.from('not a png'), ATR)).rejects.toMatchObject({ key: 'segment.labelmap_unreadable' });
  });

  it('fractions of present labels, largest first; present labels in model order', () => {
    expect(labelFractions(map)).toEqual([
      { name: 'Background', fraction: 0.416667 },
      { name: 'Face', fraction: 0.166667 },
      { name: 'Hair', fraction: 0.166667 },
      { name: 'Upper-clothes', fraction: 0.166667 },
      { name: 'Scarf', fraction: 0.083333 },
    ]);
    expect(presentLabels(map)).toEqual(['Background', 'Hair', 'Upper-clothes', 'Face', 'Scarf']);
  });
});
