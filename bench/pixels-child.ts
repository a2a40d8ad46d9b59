import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { readEnv } from '../src/config/env.js';
import { createExecutor, type ExecuteRequest } from '../src/pipeline/execute/index.js';
import { decodeLabelMap } from '../src/core/labelmap-png.js';
import { loadConfig } from '../src/config/load.js';
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
const labels = activeLabels(env, loadConfig({ sections: ['models'] }).models);
const [photo, mapPng, background] = await Promise.all([readFile(photoPath!), readFile(mapPath!), backgroundPath ? readFile(backgroundPath) : undefined]);
const map = await decodeLabelMap(mapPng, labels);
const lang = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), { modelLabels: labels });
const parsed = lang.validate(JSON.parse(commandsJson!) as unknown[], { labels });
const req: ExecuteRequest = { image: photo, labelMap: map, commands: lang.mergeAndSort(parsed.commands), backgroundSource: background };
const result = await createExecutor({ env, config: loadConfig({ sections: ['commands', 'templates', 'backends', 'params', 'masks'] }), imageBackends: [] }).execute(req);
await writeFile(out!, await encodeImage(result.image, { format: 'jpeg' }));
