import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects requests older than five minutes to stop replays; so do we (DESIGN.md). */
export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

export interface SignedRequest {
  signingSecret: string;
  /** X-Slack-Request-Timestamp (seconds since the epoch, as sent). */
  timestamp: string | undefined;
  /** X-Slack-Signature ("v0=<hex>"). */
  signature: string | undefined;
  /** The exact bytes received: re-serialised JSON would not match. */
  body: Buffer | string;
  /** Current time in seconds (tests pin it for the official vector). */
  nowSeconds?: number;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** "v0=" + HMAC-SHA256(secret, "v0:" + timestamp + ":" + body), as Slack computes it. */
export function signSlackRequest(signingSecret: string, timestamp: string | number, body: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

/** Checks a request's Slack signature: timing-safe comparison, five-minute window in both directions. */
export function verifySlackSignature(req: SignedRequest): SignatureVerdict {
  const { timestamp, signature } = req;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing' };
  const now = req.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signSlackRequest(req.signingSecret, timestamp, req.body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
