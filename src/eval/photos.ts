import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { EnvSettings } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { t } from '../i18n/index.js';
import type { LabelMap } from '../core/types.js';
import { UserFacingError, errorMessage } from '../util/errors.js';

const PHOTO = /\.(jpe?g|png|webp)$/i;
const SIDECAR = /\.labels\.(png|json)$/i;

/** Photos of a folder (not recursive), sorted by name; sidecar label files are not photos. */
export async function listPhotos(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new UserFacingError('eval.dataset_no_images', { dir: `${dir} (${errorMessage(err)})` });
  }
  const photos = names.filter((n) => PHOTO.test(n) && !SIDECAR.test(n)).sort();
  if (photos.length === 0) throw new UserFacingError('eval.dataset_no_images', { dir });
  return photos.map((n) => path.join(dir, n));
}

/** Something that turns a photo into a label map (the real segmenter, or a test's). */
export interface PhotoSegmenter {
  readonly name?: string;
  segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap>;
  close?(): Promise<void>;
}

export type LabelsSource = ((photo: string, signal?: AbortSignal) => Promise<string[]>) & { close(): Promise<void> };

function sidecar(photo: string, ext: 'json' | 'png'): string {
  return path.join(path.dirname(photo), `${path.basename(photo, path.extname(photo))}.labels.${ext}`);
}

/**
 * The labels present in each photo, computed once per photo: from a sidecar next to it
 * (`photo.labels.json`: a JSON array of label names, or `{"labels": [...]}`; `photo.labels.png`:
 * a label map of the active model), otherwise from the segmenter. A missing segmentation model
 * becomes `eval.dataset_model_missing`, which names both ways out.
 */
export function photoLabelsSource(opts: { env: EnvSettings; modelLabels: readonly string[]; segmenter?: PhotoSegmenter }): LabelsSource {
  const cache = new Map<string, Promise<string[]>>();
  let segmenter = opts.segmenter;
  const known = new Set(opts.modelLabels);

  const fromSegmenter = async (photo: string, signal?: AbortSignal): Promise<string[]> => {
    const { presentLabels } = await import('../pipeline/labelmap.js');
    if (!segmenter) {
      const { createSegmenter } = await import('../providers/segment/index.js');
      const { models, images } = loadConfig({ sections: ['models', 'images'] });
      segmenter = createSegmenter({ env: opts.env, models, limits: images });
    }
    try {
      return presentLabels(await segmenter.segment(await readFile(photo), signal));
    } catch (err) {
      if (err instanceof UserFacingError && err.key === 'segment.model_missing') {
        throw new UserFacingError('eval.dataset_model_missing', { model: String(err.params.model ?? segmenter.name ?? '') });
      }
      throw err;
    }
  };

  const compute = async (photo: string, signal?: AbortSignal): Promise<string[]> => {
    const json = sidecar(photo, 'json');
    if (existsSync(json)) {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(json, 'utf8'));
      } catch (err) {
        throw new UserFacingError('eval.dataset_sidecar_invalid', { file: json, detail: errorMessage(err) });
      }
      const list = Array.isArray(value) ? value : (value as { labels?: unknown } | null)?.labels;
      if (!Array.isArray(list) || list.length === 0 || !list.every((l) => typeof l === 'string')) {
        throw new UserFacingError('eval.dataset_sidecar_invalid', { file: json, detail: 'expected a non-empty array of label names' });
      }
      const unknown = (list as string[]).filter((l) => !known.has(l));
      if (unknown.length > 0) {
        throw new UserFacingError('eval.dataset_sidecar_invalid', { file: json, detail: `unknown labels ${unknown.join(', ')}; known: ${[...known].join(', ')}` });
      }
      // Model order, like the segmenter's answer.
      return opts.modelLabels.filter((l) => (list as string[]).includes(l));
    }
    const png = sidecar(photo, 'png');
    if (existsSync(png)) {
      const { presentLabels } = await import('../pipeline/labelmap.js');
      const { decodeLabelMap } = await import('../core/labelmap-png.js');
      try {
        return presentLabels(await decodeLabelMap(await readFile(png), opts.modelLabels));
      } catch (err) {
        const detail = err instanceof UserFacingError ? t('en', err.key, err.params) : errorMessage(err);
        throw new UserFacingError('eval.dataset_sidecar_invalid', { file: png, detail });
      }
    }
    return fromSegmenter(photo, signal);
  };

  const source = ((photo: string, signal?: AbortSignal) => {
    let p = cache.get(photo);
    if (!p) {
      p = compute(photo, signal);
      cache.set(photo, p);
    }
    return p;
  }) as LabelsSource;
  source.close = async () => {
    await segmenter?.close?.().catch(() => undefined);
  };
  return source;
}
