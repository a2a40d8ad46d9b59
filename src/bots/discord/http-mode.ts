import type { KeyObject } from 'node:crypto';
import { InteractionResponseType, MessageFlags } from 'discord.js';
import type { HttpServer, RouteRequest } from '../../server/http.js';
import { send } from '../../server/http.js';
import type { Logger } from '../../util/logger.js';
import { defersPrivately, viewFromApi, type InteractionHandler } from './interactions.js';
import { parseInteraction } from './payload.js';
import { verifyDiscordRequest } from './verify.js';
import { loggableError } from './messenger.js';

export const INTERACTIONS_PATH = '/discord/interactions';

/**
 * HTTP interactions mode: Discord POSTs each interaction here. Verify first (401 and nothing else on
 * failure), answer with a deferred response at once, and only after that answer has been written
 * let the engine work through the webhook endpoints.
 */
export function registerInteractionsRoute(
  http: HttpServer,
  deps: { publicKey: KeyObject; handler: InteractionHandler; logger: Logger; isStopped: () => boolean; background: <T>(work: Promise<T>) => Promise<T>; signatureMaxAgeSeconds: number },
): void {
  http.route('POST', INTERACTIONS_PATH, (req: RouteRequest) => {
    if (!verifyDiscordRequest(deps.publicKey, req.headers, req.body, deps.signatureMaxAgeSeconds)) {
      return { status: 401, body: { error: 'invalid request signature' } };
    }
    const parsed = parseInteraction(req.body);
    if (parsed.kind === 'ping') return { status: 200, body: { type: InteractionResponseType.Pong } };
    if (parsed.kind === 'invalid') {
      // Authentic but malformed: say what is wrong, without a stack (nothing failed on our side).
      deps.logger.warn({ reason: parsed.error }, 'discord: malformed interaction refused');
      return { status: 400, body: { error: parsed.error } };
    }
    if (parsed.kind === 'unsupported') return { status: 400, body: { error: `unsupported interaction type ${parsed.type}` } };
    if (deps.isStopped()) return { status: 503, body: { error: 'shutting down' } };

    const view = viewFromApi(parsed.interaction);
    if (!view) return { status: 400, body: { error: 'unsupported interaction' } };
    const ack =
      view.kind === 'component'
        ? { type: InteractionResponseType.DeferredMessageUpdate }
        : {
            type: InteractionResponseType.DeferredChannelMessageWithSource,
            data: defersPrivately(view) ? { flags: MessageFlags.Ephemeral } : {},
          };
    send(req.res, { status: 200, body: ack });
    // The webhook endpoints only accept calls once Discord has our acknowledgement.
    req.res.once('finish', () => {
      void deps.background(deps.handler.handle(view).catch((err: unknown) => deps.logger.error({ err: loggableError(err) }, 'discord: interaction failed')));
    });
  });
}
