import type { MessageKey } from '../i18n/index.js';

/**
 * An error a user can act on. It carries a message key (rendered in the user's language by the
 * engine or the CLI) and parameters, never a stack trace or a secret.
 */
export class UserFacingError extends Error {
  readonly key: MessageKey;
  readonly params: Record<string, string | number>;
  constructor(key: MessageKey, params: Record<string, string | number> = {}, options?: { cause?: unknown }) {
    super(`${key} ${JSON.stringify(params)}`, options);
    this.name = 'UserFacingError';
    this.key = key;
    this.params = params;
  }
}

/** A configuration file that does not match its schema: names file, key and expectation. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly keyPath: string,
    readonly expected: string,
  ) {
    super(`Invalid configuration in ${file} at "${keyPath || '(root)'}": ${expected}`);
    this.name = 'ConfigError';
  }
}

/** A CLI usage error (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
