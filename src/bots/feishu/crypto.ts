import crypto from 'node:crypto';
import { AESCipher } from '@larksuiteoapi/node-sdk';

/**
 * Feishu's event encryption: AES-256-CBC, key = sha256(encryptKey), IV = the first 16 bytes of the
 * base64 payload. Decryption is the SDK's own AESCipher so we stay byte-compatible with it.
 * Throws on a wrong key or damaged payload (the padding check fails).
 */
export function decryptFeishu(encryptKey: string, encrypted: string): string {
  return new AESCipher(encryptKey).decrypt(encrypted);
}

/** sha256(timestamp + nonce + encryptKey + body), hex: the X-Lark-Signature of every pushed request. */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, body: Buffer | string): string {
  return crypto
    .createHash('sha256')
    .update(timestamp + nonce + encryptKey)
    .update(body)
    .digest('hex');
}

export function verifyFeishuSignature(
  headers: { timestamp?: string; nonce?: string; signature?: string },
  encryptKey: string,
  rawBody: Buffer,
): boolean {
  const { timestamp, nonce, signature } = headers;
  if (!timestamp || !nonce || !signature) return false;
  return safeEqualHex(feishuSignature(timestamp, nonce, encryptKey, rawBody), signature);
}

/**
 * Whether X-Lark-Request-Timestamp (Unix seconds) is within `maxAgeSeconds` of our clock, in either
 * direction. A validly signed request outside the window is a replay.
 */
export function isFreshTimestamp(timestamp: string | undefined, maxAgeSeconds: number, nowMs = Date.now()): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= maxAgeSeconds;
}

/** Constant-time comparison, so a forged signature learns nothing from response timing. */
export function safeEqualHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.trim().toLowerCase(), 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function safeEqualText(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
