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
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void app.stop().finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return EXIT.ok;
}
