import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { signSlackRequest } from '../support/slack-signing.js';

// Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack), from DESIGN.md.
const OFFICIAL = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  ts: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

/** The check SlackHttpReceiver runs on every request (Bolt's own helper). */
function verify(o: { secret?: string; ts?: string; signature?: string; body?: string; nowSeconds?: number }): boolean {
  try {
    verifySlackRequest({
      signingSecret: o.secret ?? OFFICIAL.secret,
      body: o.body ?? OFFICIAL.body,
      headers: { 'x-slack-signature': o.signature ?? '', 'x-slack-request-timestamp': Number(o.ts) },
      nowMilliseconds: (o.nowSeconds ?? Math.floor(Date.now() / 1000)) * 1000,
    });
    return true;
  } catch {
    return false;
  }
}

describe('Slack request signatures', () => {
  it("the fakes sign like Slack: the official example's signature", () => {
    expect(signSlackRequest(OFFICIAL.secret, OFFICIAL.ts, OFFICIAL.body)).toBe(OFFICIAL.signature);
  });

  it('accepts the official example within five minutes of its timestamp', () => {
    expect(verify({ ts: OFFICIAL.ts, signature: OFFICIAL.signature, nowSeconds: Number(OFFICIAL.ts) + 299 })).toBe(true);
  });

  it('refuses the official example today: its timestamp is years old (replay)', () => {
    expect(verify({ ts: OFFICIAL.ts, signature: OFFICIAL.signature })).toBe(false);
    expect(verify({ ts: OFFICIAL.ts, signature: OFFICIAL.signature, nowSeconds: Number(OFFICIAL.ts) + 301 })).toBe(false);
  });

  it('refuses a forged signature, a changed body, a wrong secret and missing headers', () => {
    const now = Number(OFFICIAL.ts);
    expect(verify({ ts: OFFICIAL.ts, signature: `v0=${'0'.repeat(64)}`, nowSeconds: now })).toBe(false);
    expect(verify({ ts: OFFICIAL.ts, signature: OFFICIAL.signature, body: `${OFFICIAL.body}&x=1`, nowSeconds: now })).toBe(false);
    expect(verify({ secret: 'other-secret', ts: OFFICIAL.ts, signature: OFFICIAL.signature, nowSeconds: now })).toBe(false);
    expect(verify({ ts: OFFICIAL.ts, signature: 'v0=short', nowSeconds: now })).toBe(false);
    expect(verify({ ts: undefined, signature: OFFICIAL.signature, nowSeconds: now })).toBe(false);
    expect(verify({ ts: OFFICIAL.ts, signature: undefined, nowSeconds: now })).toBe(false);
  });
});
