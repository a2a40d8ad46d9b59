import { pino, destination, type Logger, type DestinationStream } from 'pino';
import { scrubSecrets } from './secrets.js';

export type { Logger };

const REDACT_PATHS = [
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.signingSecret',
  '*.appSecret',
  '*.encryptKey',
  '*.botToken',
  '*.appToken',
];

/** A stream that scrubs secret values from every serialized line before it reaches stderr. */
function scrubbingStream(target: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      target.write(scrubSecrets(line));
    },
  };
}

let root: Logger | undefined;

/**
 * The process logger: JSON lines on stderr (stdout belongs to CLI results), secrets redacted by
 * key and scrubbed by value. LOG_LEVEL sets the level (default info; "silent" in tests).
 */
export function getLogger(stream?: DestinationStream): Logger {
  if (root && !stream) return root;
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  const logger = pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    scrubbingStream(stream ?? destination({ fd: 2, sync: true })),
  );
  if (!stream) root = logger;
  return logger;
}

export function childLogger(bindings: Record<string, unknown>): Logger {
  return getLogger().child(bindings);
}
