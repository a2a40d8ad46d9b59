import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../util/logger.js';

/**
 * Bolt and the Socket Mode client log through this, so their lines go to our pino logger (stderr,
 * secrets scrubbed) instead of console. Their debug chatter is kept at debug.
 */
export function boltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const write = (fn: 'debug' | 'info' | 'warn' | 'error', msg: unknown[]) => {
    const [first, ...rest] = msg;
    const text = [first, ...rest].map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
    const err = msg.find((m): m is Error => m instanceof Error);
    if (err) logger[fn]({ err }, text);
    else logger[fn](text);
  };
  return {
    debug: (...msg: unknown[]) => write('debug', msg),
    info: (...msg: unknown[]) => write('info', msg),
    warn: (...msg: unknown[]) => write('warn', msg),
    error: (...msg: unknown[]) => write('error', msg),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
