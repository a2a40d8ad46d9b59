import { EXIT } from '../exit.js';
import { cliLocale, reportCliError } from '../report.js';
import { readEnv } from '../../config/env.js';
import { explainParts, sentence, type AvailabilitySource, type Capabilities } from '../../core/availability.js';
import type { Locale } from '../../i18n/index.js';

/**
 * The parts model's first download, told on the terminal that started `serve`: a progress line
 * (redrawn in place on a TTY, every 10 % otherwise), then "ready" or what went wrong and its fix.
 */
function followDownload(availability: AvailabilitySource & { current(): Capabilities }, locale: Locale): () => void {
  const first = availability.current().parts;
  if (first.state === 'ready') return () => undefined;
  const tty = Boolean(process.stderr.isTTY);
  let lastDecile = -1;
  let lastState = '';
  let drawn = false;
  const show = (c: Capabilities) => {
    const parts = c.parts;
    const e = explainParts(parts, locale, 'operator');
    if (parts.state === 'downloading') {
      const decile = e.percent === undefined ? -1 : Math.floor(e.percent / 10);
      if (tty) {
        process.stderr.write(`\r${e.text}\x1b[K`);
        drawn = true;
      } else if (decile !== lastDecile || lastState !== 'downloading') process.stderr.write(`${e.text}\n`);
      lastDecile = decile;
    } else if (parts.state !== lastState) {
      process.stderr.write(`${drawn ? '\n' : ''}${sentence(e)}\n`);
      drawn = false;
    }
    lastState = parts.state;
  };
  show(availability.current());
  return availability.subscribe?.(show) ?? (() => undefined);
}

export async function run(_args: string[], _options: Record<string, unknown>): Promise<number> {
  const { startApp, enableHint } = await import('../../app.js');
  let app;
  try {
    app = await startApp();
  } catch (err) {
    return reportCliError(err);
  }
  // The URL and the hint are the product's first words to a new user: stderr keeps stdout clean for scripts.
  process.stderr.write(`\nchat-image-editor playground: ${app.url}/\n${enableHint(readEnv())}\n\n`);
  const unfollow = followDownload(app.availability, cliLocale());
  const running = app;
  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        // A second signal: the operator does not want to wait.
        process.stderr.write(`chat-image-editor: ${signal} again, exiting now\n`);
        process.exit(EXIT.failure);
      }
      signalled = true;
      unfollow();
      // Backstop: stop() is bounded by engine.shutdownMs; should anything still hang, exit anyway.
      setTimeout(() => {
        process.stderr.write('chat-image-editor: shutdown did not finish in time, exiting\n');
        process.exit(EXIT.failure);
      }, running.shutdownMs + 4_500).unref();
      void running.stop().finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  // Sockets a slow platform still holds open must not keep the process alive after shutdown.
  setTimeout(() => process.exit(EXIT.ok), 100).unref();
  return EXIT.ok;
}
