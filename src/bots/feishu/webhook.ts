import type { RouteHandler, RouteRequest, RouteResponse } from '../../server/http.js';
import { z } from 'zod';
import type { Logger } from '../../util/logger.js';
import { decryptFeishu, isFreshTimestamp, safeEqualText, verifyFeishuSignature } from './crypto.js';

export interface WebhookOptions {
  encryptKey?: string;
  verificationToken?: string;
  /** Handles a verified, decrypted payload and resolves (fast) to the JSON to answer with. */
  dispatch(payload: Record<string, unknown>): Promise<unknown>;
  logger: Logger;
  /** Signed requests older (or newer) than this are replays: 401 (config `bots.signatureMaxAgeSeconds`). */
  signatureMaxAgeSeconds: number;
  /** The clock, for tests. */
  now?: () => number;
}

const UNAUTHORIZED: RouteResponse = { status: 401, body: { error: 'unauthorized' } };

/** Documented message ids ("om_dc13…"): they end up in Open API paths (reply, patch, resources). */
const messageId = z.string().regex(/^om_[A-Za-z0-9_-]{1,200}$/, 'a message id (om_…)');
const optionalMessageId = z.union([z.literal(''), messageId]).nullish();

/** The ids of the events we handle that later shape Open API paths; everything else stays open. */
const MessageEventSchema = z.looseObject({
  message: z.looseObject({ message_id: messageId, root_id: optionalMessageId, parent_id: optionalMessageId }),
});
const CardActionSchema = z.looseObject({
  context: z.looseObject({ open_message_id: messageId }).optional(),
  open_message_id: messageId.optional(),
});

/**
 * Why an authentic event cannot be handled, or undefined when it can: a message or card event whose
 * ids do not have their documented shape. Other event types pass through to the SDK.
 */
function malformed(payload: Record<string, unknown>): string | undefined {
  const header = isRecord(payload.header) ? payload.header : undefined;
  const eventType = header?.event_type;
  const event = payload.event;
  let result: { success: boolean; error?: z.ZodError } | undefined;
  if (eventType === 'im.message.receive_v1') result = MessageEventSchema.safeParse(event);
  else if (eventType === 'card.action.trigger') result = CardActionSchema.safeParse(event);
  else if (!header && (payload.action !== undefined || payload.open_message_id !== undefined)) result = CardActionSchema.safeParse(payload); // v1 card callback
  if (!result || result.success) return undefined;
  const issue = result.error?.issues[0];
  return `malformed event: ${issue?.path.map(String).join('.') || 'event'}: ${issue?.message ?? 'unexpected shape'}`.slice(0, 200);
}

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
  const maxAgeSeconds = opts.signatureMaxAgeSeconds;
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

    const problem = malformed(payload);
    if (problem) {
      // Authentic but unusable: say what is wrong, without a stack (nothing failed on our side).
      logger.warn({ path: req.path, reason: problem }, 'feishu webhook refused: malformed event');
      return { status: 400, body: { error: problem } };
    }

    const result = await opts.dispatch(payload);
    return { status: 200, body: isRecord(result) ? result : {} };
  };
}
