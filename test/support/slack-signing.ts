import { createHmac } from 'node:crypto';

/** "v0=" + HMAC-SHA256(secret, "v0:" + timestamp + ":" + body), as Slack signs its requests (for fakes and tests). */
export function signSlackRequest(signingSecret: string, timestamp: string | number, body: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}
