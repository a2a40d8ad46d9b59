import { describe, expect, it } from 'vitest';
import { testLanguage } from '../helpers/config.js';
import { corpus } from './corpus/replies.js';

const lang = testLanguage();

describe('corpus of messy model replies', () => {
  it('has at least 40 cases in English and Chinese', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(corpus.some((c) => /[\u4e00-\u9fff]/.test(c.reply))).toBe(true);
  });

  for (const c of corpus) {
    it(c.name, () => {
      const result = lang.parse(c.reply, c.labels ? { labels: c.labels } : {});
      expect(result.commands.map((cmd) => lang.toWire(cmd))).toEqual(c.expect);
      expect(result.rejected.map((r) => r.reason)).toHaveLength(c.rejected);
      for (const r of result.rejected) expect(r.reason.length).toBeGreaterThan(10);
    });
  }
});
