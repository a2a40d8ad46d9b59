import { z } from 'zod';

/** Settings shared by the chat platform bots. Tokens, keys and secrets come from the environment only. */
export const BotsSchema = z.strictObject({
  /**
   * A signed platform request whose timestamp is further than this from our clock (in either
   * direction) is refused with 401, as a replay. Feishu honours it; Slack and Discord sign with the
   * same five-minute window.
   */
  signatureMaxAgeSeconds: z.number().int().min(1).max(3600).default(300),
});
export type BotsConfig = z.infer<typeof BotsSchema>;
