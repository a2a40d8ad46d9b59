import { EXIT } from '../exit.js';
import { reportCliError } from '../report.js';
import { readEnv } from '../../config/env.js';

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
