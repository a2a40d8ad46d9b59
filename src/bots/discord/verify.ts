import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Default replay window (config `bots.signatureMaxAgeSeconds`). */
export const MAX_SIGNATURE_AGE_S = 5 * 60;

/** Builds the Ed25519 public key object from the hex key shown in the developer portal. */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('DISCORD_PUBLIC_KEY must be 64 hexadecimal characters');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') }, format: 'jwk' });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks X-Signature-Ed25519 over `timestamp + body` and that the timestamp is fresh.
 * Returns false for anything missing or malformed; never throws.
 */
export function verifyDiscordRequest(key: KeyObject, headers: IncomingHttpHeaders, body: Buffer, maxAgeSeconds = MAX_SIGNATURE_AGE_S, nowMs = Date.now()): boolean {
  const signature = header(headers, 'x-signature-ed25519');
  const timestamp = header(headers, 'x-signature-timestamp');
  if (!signature || !timestamp || !/^[0-9a-fA-F]{128}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > maxAgeSeconds) return false;
  try {
    return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signature, 'hex'));
  } catch {
    return false;
  }
}
