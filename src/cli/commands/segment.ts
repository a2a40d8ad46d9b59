import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '../exit.js';
import { cliLocale, reportCliError } from '../report.js';
import { t } from '../../i18n/index.js';
import { readEnv } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';

export async function run(args: string[], options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  const file = args[0]!;
  let image: Buffer;
  try {
    image = await readFile(file);
  } catch (err) {
    process.stderr.write(`error: ${t(locale, 'segment.file_unreadable', { file, detail: (err as NodeJS.ErrnoException).code ?? String(err) })}\n`);
    return EXIT.unreadable;
  }
  const { createSegmenter, readPartsState } = await import('../../providers/segment/index.js');
  const { explainParts, sentence } = await import('../../core/availability.js');
  const { labelFractions } = await import('../../pipeline/labelmap.js');
  const { encodeLabelMap } = await import('../../core/labelmap-png.js');
  const config = loadConfig({ sections: ['models', 'images', 'labels'] });
  const env = readEnv();
  // No model (not downloaded, downloading, a wrong path…): the sentence and fix doctor and the playground give.
  const parts = readPartsState(env, config.models);
  if (parts.state !== 'ready') {
    process.stderr.write(`error: ${sentence(explainParts(parts, locale, 'operator'))}\n`);
    return EXIT.failure;
  }
  const segmenter = createSegmenter({ env, models: config.models, limits: config.images });
  try {
    const map = await segmenter.segment(image);
    if (typeof options.labelmap === 'string') await writeFile(options.labelmap, await encodeLabelMap(map));
    if (typeof options.overlay === 'string') {
      const { renderOverlay } = await import('../../pipeline/overlay.js');
      let overlay = await renderOverlay(image, map, { locale, labels: config.labels });
      if (path.extname(options.overlay).toLowerCase() === '.png') {
        const sharp = (await import('sharp')).default;
        overlay = await sharp(overlay).png().toBuffer();
      }
      await writeFile(options.overlay, overlay);
    }
    const labels = labelFractions(map);
    if (options.json) process.stdout.write(`${JSON.stringify({ labels })}\n`);
    else for (const l of labels) process.stdout.write(`${l.name.padEnd(16)} ${(l.fraction * 100).toFixed(1).padStart(5)}%\n`);
    return EXIT.ok;
  } catch (err) {
    return reportCliError(err);
  } finally {
    await segmenter.close();
  }
}
