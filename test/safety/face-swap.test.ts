import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { decideFaceSwap, faceSwapCommands } from '../../src/pipeline/safety/index.js';

describe('face swap policy (pure decision)', () => {
  const mine = { requester: 'U1', targetBy: 'U1', sourceBy: 'U1' };
  const theirFace = { requester: 'U1', targetBy: 'U1', sourceBy: 'U2' };
  const theirPhoto = { requester: 'U1', targetBy: 'U2', sourceBy: 'U1' };
  const unknownPoster = { requester: 'U1', targetBy: 'U1', sourceBy: undefined };

  it('off refuses every face swap', () => {
    for (const r of [mine, theirFace, theirPhoto]) expect(decideFaceSwap('off', r)).toEqual({ allowed: false, reason: 'safety.face_swap_off' });
  });

  it('own-photos allows only when the requester posted both photos', () => {
    expect(decideFaceSwap('own-photos', mine)).toEqual({ allowed: true });
    for (const r of [theirFace, theirPhoto, unknownPoster]) expect(decideFaceSwap('own-photos', r)).toEqual({ allowed: false, reason: 'safety.face_swap_own_photos' });
  });

  it('on allows any face swap', () => {
    for (const r of [mine, theirFace, theirPhoto, unknownPoster]) expect(decideFaceSwap('on', r)).toEqual({ allowed: true });
  });

  it('governs the commands whose template swaps faces', () => {
    const { commands, templates } = loadConfig({ sections: ['commands', 'templates'] });
    expect([...faceSwapCommands(commands, templates)]).toEqual(['swap_face']);
  });
});
