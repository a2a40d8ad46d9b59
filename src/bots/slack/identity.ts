import pRetry, { AbortError } from 'p-retry';
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../util/logger.js';

/** auth.test errors that retrying cannot fix: the token itself is wrong. */
const FATAL_AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission']);

/**
 * Who the bot is (its user id, to strip mentions and skip its own posts). Learned with auth.test in
 * the background: start-up never waits on Slack being reachable, and the webhook route answers meanwhile.
 */
export class BotIdentity {
  userId?: string;
  botId?: string;
  team?: string;
  state: 'pending' | 'ok' | 'failed' = 'pending';
  lastError?: string;
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private markKnown!: () => void;
  /** Resolves the first time auth.test succeeds (never, if the token is refused). */
  readonly known = new Promise<void>((resolve) => (this.markKnown = resolve));

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly retry: { retries: number; minTimeout: number; maxTimeout: number } = { retries: 1_000, minTimeout: 1_000, maxTimeout: 60_000 },
  ) {}

  start(): void {
    this.running ??= pRetry(() => this.check(), {
      ...this.retry,
      signal: this.abort.signal,
      onFailedAttempt: (e) => {
        this.lastError = e.message;
        this.logger.warn({ attempt: e.attemptNumber, error: e.message }, 'slack auth.test failed; retrying in the background');
      },
    }).catch((err: unknown) => {
      if (this.abort.signal.aborted) return;
      this.state = 'failed';
      this.lastError = err instanceof Error ? err.message : String(err);
      this.logger.error({ error: this.lastError }, 'slack bot token refused by auth.test; check SLACK_BOT_TOKEN');
    });
  }

  stop(): void {
    this.abort.abort();
  }

  /** Resolves once the first auth.test attempt cycle has ended (tests). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async check(): Promise<void> {
    let res: Awaited<ReturnType<webApi.WebClient['auth']['test']>>;
    try {
      res = await this.client.auth.test();
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code && FATAL_AUTH_ERRORS.has(code)) throw new AbortError(code);
      throw err instanceof Error ? err : new Error(String(err));
    }
    this.userId = res.user_id;
    this.botId = res.bot_id;
    this.team = res.team_id;
    this.state = 'ok';
    this.lastError = undefined;
    this.markKnown();
    this.logger.info({ botUserId: this.userId, team: this.team }, 'slack bot identity known');
  }
}
