import { UserFacingError } from '../../util/errors.js';
import type { Point } from './build.js';

/** Parses "x,y;x,y" (whole pixel coordinates inside the image). */
export function parsePoints(text: string, width: number, height: number): Point[] {
  const parts = text.split(';').map((s) => s.trim()).filter(Boolean);
  const points: Point[] = [];
  for (const part of parts) {
    const m = /^(\d+)\s*,\s*(\d+)$/.exec(part);
    const x = m ? Number(m[1]) : NaN;
    const y = m ? Number(m[2]) : NaN;
    if (!m || x >= width || y >= height) throw new UserFacingError('segment.bad_points', { points: text, width, height });
    points.push({ x, y });
  }
  if (points.length === 0) throw new UserFacingError('segment.bad_points', { points: text, width, height });
  return points;
}
