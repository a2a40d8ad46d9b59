import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolveParams } from '../../src/pipeline/params.js';

describe('parameter resolution (thesis algorithm 8)', () => {
  it('takes each parameter from the highest-priority source that sets it', () => {
    const out = resolveParams({
      defaults: { steps: 40, cfg_scale: 7, seed: -1, sampler_name: 'DPM++ 2M' },
      template: { cfg_scale: 5, denoising_strength: 0.25 },
      user: { denoising_strength: 0.4, steps: 30, seed: null },
      command: { steps: 20 },
    });
    expect(out).toEqual({ steps: 20, cfg_scale: 5, seed: -1, sampler_name: 'DPM++ 2M', denoising_strength: 0.4 });
  });

  it('follows a per-parameter order from config (seed: user first)', () => {
    const order = loadConfig({ sections: ['params'] }).params;
    expect(order.default).toEqual(['command', 'user', 'template', 'defaults']);
    const out = resolveParams({ command: { seed: 1, steps: 10 }, user: { seed: 2, steps: 50 } }, order);
    expect(out).toEqual({ seed: 2, steps: 10 });
  });

  it('ignores sources left out of an order and keys that reach prototypes', () => {
    const order = { default: ['command', 'defaults'] as const, perParam: {} };
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "steps": 3}') as Record<string, unknown>;
    const out = resolveParams({ user: { steps: 99 }, defaults: evil }, { default: [...order.default], perParam: {} });
    expect(out).toEqual({ steps: 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
