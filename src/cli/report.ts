import { ConfigError, UsageError, UserFacingError, errorMessage } from '../util/errors.js';
import { detectTextLocale, resolveLocale, t } from '../i18n/index.js';
import { scrubSecrets } from '../util/secrets.js';
import { EXIT } from './exit.js';

/** The locale for CLI messages: LANG / LC_ALL, English by default. */
export function cliLocale() {
  return resolveLocale(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || 'en');
}

/** Prints an error on stderr in a form a person can act on and returns the exit code. */
export function reportCliError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.failure;
  }
  if (err instanceof UserFacingError) {
    process.stderr.write(`error: ${t(cliLocale(), err.key, err.params)}\n`);
    return err.key.startsWith('image.') || err.key.startsWith('input.') ? EXIT.unreadable : EXIT.failure;
  }
  process.stderr.write(`error: ${scrubSecrets(errorMessage(err))}\n`);
  return EXIT.failure;
}

export { detectTextLocale };
