import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { readEnv } from '../src/config/env.js';
import { createExecutor, type ExecuteRequest } from '../src/pipeline/execute/index.js';
import { decodeLabelMap } from '../src/pipeline/execute/deps.js';
import { encodeImage } from '../src/pipeline/image/encode.js';
import { CommandLanguage } from '../src/pipeline/commands/index.js';
import { activeLabels } from '../src/providers/segment/cards.js';

/**
 * `node pixels-child.js PHOTO MAP COMMANDS_JSON OUT [BACKGROUND]`: what `chat-image-editor edit
 * --commands` does, plus a second photo as the background source (the CLI takes one photo). Used
 * by the pixels bench to time the two-photo case as a whole process.
 */
const [photoPath, mapPath, commandsJson, out, backgroundPath] = process.argv.slice(2);
sharp.cache(false);
const env = readEnv();
const labels = activeLabels(env);
const [photo, mapPng, background] = await Promise.all([readFile(photoPath!), readFile(mapPath!), backgroundPath ? readFile(backgroundPath) : undefined]);
const map = await decodeLabelMap(mapPng, labels);
const lang = CommandLanguage.load({ modelLabels: labels });
const parsed = lang.validate(JSON.parse(commandsJson!) as unknown[], { labels });
const req: ExecuteRequest = { image: photo, labelMap: map, commands: lang.mergeAndSort(parsed.commands), backgroundSource: background };
const result = await createExecutor({ env, imageBackends: [] }).execute(req);
await writeFile(out!, await encodeImage(result.image, { format: 'jpeg' }));
