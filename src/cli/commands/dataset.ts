import { EXIT } from '../main.js';

export async function run(_args: string[], _options: Record<string, unknown>): Promise<number> {
  process.stderr.write('chat-image-editor dataset: not yet available in this build.\n');
  return EXIT.unavailable;
}
