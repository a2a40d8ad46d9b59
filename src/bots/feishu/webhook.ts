import type { RouteHandler, RouteRequest, RouteResponse } from '../../server/http.js';
import { loadConfig } from '../../config/load.js';
import type { Logger } from '../../util/logger.js';
import { decryptFeishu, isFreshTimestamp, safeEqualText, verifyFeishuSignature } from './crypto.js';

export interface WebhookOptions {
  encryptKey?: string;
  verificationToken?: string;
  /** Handles a verified, decrypted payload and resolves (fast) to the JSON to answer with. */
  dispatch(payload: Record<string, unknown>): Promise<unknown>;
  logger: Logger;
  /** Signed requests older (or newer) than this are replays: 401. Default: config `bots.signatureMaxAgeSeconds` (300). */
  signatureMaxAgeSeconds?: number;
  /** The clock, for tests. */
  now?: () => number;
}

const UNAUTHORIZED: RouteResponse = { status: 401, body: { error: 'unauthorized' } };

function header(req: RouteRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** v2 payloads carry the verification token in header.token; v1 and url_verification at the top. */
function payloadToken(payload: Record<string, unknown>): unknown {
  return isRecord(payload.header) ? payload.header.token : payload.token;
}

/**
 * POST /feishu/events and /feishu/card. Every request is proven before anything runs: the SDK's
 * own dispatcher answers a bad signature with 200 and an empty body, which tells a forger nothing
 * went wrong, so we check here and refuse with 401. The URL-verification challenge is not signed by
 * Feishu; with an encrypt key, being able to decrypt it is the proof, and the token must match.
 */
export function createWebhookHandler(opts: WebhookOptions): RouteHandler {
  const { encryptKey, verificationToken, logger } = opts;
  const maxAgeSeconds = opts.signatureMaxAgeSeconds ?? loadConfig({ sections: ['bots'] }).bots.signatureMaxAgeSeconds;
  const now = opts.now ?? Date.now;
  return async (req) => {
    let outer: unknown;
    try {
      outer = JSON.parse(req.body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    if (!isRecord(outer)) return { status: 400, body: { error: 'body is not a JSON object' } };
    if (!encryptKey && !verificationToken) {
      logger.warn({ path: req.path }, 'feishu webhook refused: no verification token or encrypt key configured');
      return UNAUTHORIZED;
    }

    const encrypted = typeof outer.encrypt === 'string';
    let payload: Record<string, unknown> = outer;
    if (encrypted) {
      if (!encryptKey) return UNAUTHORIZED;
      try {
        const inner: unknown = JSON.parse(decryptFeishu(encryptKey, outer.encrypt as string));
        if (!isRecord(inner)) return UNAUTHORIZED;
        payload = inner;
      } catch {
        logger.warn({ path: req.path }, 'feishu webhook refused: payload does not decrypt with the configured key');
        return UNAUTHORIZED;
      }
    }

    const tokenOk = !verificationToken || safeEqualText(verificationToken, payloadToken(payload));

    if (payload.type === 'url_verification') {
      // Unsigned by Feishu: with a key configured only an encrypted challenge proves the sender.
      if (encryptKey && !encrypted) return UNAUTHORIZED;
      if (!tokenOk) return UNAUTHORIZED;
      return { status: 200, body: { challenge: payload.challenge } };
    }

    if (encryptKey) {
      const signed = verifyFeishuSignature(
        {
          timestamp: header(req, 'x-lark-request-timestamp'),
          nonce: header(req, 'x-lark-request-nonce'),
          signature: header(req, 'x-lark-signature'),
        },
        encryptKey,
        req.body,
      );
      if (!signed) {
        logger.warn({ path: req.path }, 'feishu webhook refused: bad signature');
        return UNAUTHORIZED;
      }
      if (!isFreshTimestamp(header(req, 'x-lark-request-timestamp'), maxAgeSeconds, now())) {
        logger.warn({ path: req.path, maxAgeSeconds }, 'feishu webhook refused: timestamp outside the replay window');
        return UNAUTHORIZED;
      }
    }
    if (!tokenOk) {
      logger.warn({ path: req.path }, 'feishu webhook refused: wrong verification token');
      return UNAUTHORIZED;
    }

    const result = await opts.dispatch(payload);
    return { status: 200, body: isRecord(result) ? result : {} };
  };
}
