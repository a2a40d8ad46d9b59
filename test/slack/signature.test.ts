import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from '../../src/bots/slack/signature.js';

// Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack), from DESIGN.md.
const OFFICIAL = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  ts: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

describe('Slack request signatures', () => {
  it("computes Slack's official example signature", () => {
    expect(signSlackRequest(OFFICIAL.secret, OFFICIAL.ts, OFFICIAL.body)).toBe(OFFICIAL.signature);
  });

  it('accepts the official example within five minutes of its timestamp', () => {
    const verdict = verifySlackSignature({
      signingSecret: OFFICIAL.secret,
      timestamp: OFFICIAL.ts,
      signature: OFFICIAL.signature,
      body: Buffer.from(OFFICIAL.body),
      nowSeconds: Number(OFFICIAL.ts) + 299,
    });
    expect(verdict).toEqual({ ok: true });
  });

  it('refuses the official example today: its timestamp is years old (replay)', () => {
    const verdict = verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: OFFICIAL.signature, body: OFFICIAL.body });
    expect(verdict).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a forged signature, a changed body and a wrong secret', () => {
    const now = Number(OFFICIAL.ts);
    const forged = `v0=${'0'.repeat(64)}`;
    expect(verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: forged, body: OFFICIAL.body, nowSeconds: now }).ok).toBe(false);
    expect(
      verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: OFFICIAL.signature, body: `${OFFICIAL.body}&x=1`, nowSeconds: now }).ok,
    ).toBe(false);
    expect(verifySlackSignature({ signingSecret: 'other-secret', timestamp: OFFICIAL.ts, signature: OFFICIAL.signature, body: OFFICIAL.body, nowSeconds: now }).ok).toBe(false);
    expect(verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: 'v0=short', body: OFFICIAL.body, nowSeconds: now }).ok).toBe(false);
  });

  it('refuses timestamps more than five minutes away in either direction, and missing headers', () => {
    const now = Number(OFFICIAL.ts);
    const sig = OFFICIAL.signature;
    expect(verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: sig, body: OFFICIAL.body, nowSeconds: now + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: sig, body: OFFICIAL.body, nowSeconds: now - 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: undefined, signature: sig, body: OFFICIAL.body, nowSeconds: now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifySlackSignature({ signingSecret: OFFICIAL.secret, timestamp: OFFICIAL.ts, signature: undefined, body: OFFICIAL.body, nowSeconds: now })).toEqual({ ok: false, reason: 'missing' });
  });
});
