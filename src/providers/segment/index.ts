import { existsSync } from 'node:fs';
import type { EnvSettings } from '../../config/env.js';
import type { ModelsConfig } from '../../config/schemas/models.js';
import type { ImageLimits } from '../../core/image-io.js';
import type { LabelMap } from '../../core/types.js';
import type { Logger } from '../../util/logger.js';
import { UserFacingError } from '../../util/errors.js';
import type { HealthStatus } from '../../core/health.js';
import { activeCardName, getCard, resolveModelFile } from './cards.js';
import { fetchModel, type DownloadProgress } from './download.js';
import { OnnxSegmenter } from './onnx.js';
import { RemoteSegmenter } from './remote.js';
import type { Segmenter } from './types.js';

export type { Segmenter } from './types.js';
export { SegmentationService } from './service.js';
export { OnnxSegmenter } from './onnx.js';
export { RemoteSegmenter } from './remote.js';
export { fetchModel, type DownloadProgress, type DownloadableCard, type FetchModelOptions, type FetchModelResult } from './download.js';
export { verifyModelFile, sha256File } from './hash.js';
export { activeLabels, activeCardName, getCard, resolveModelFile, managedModelPath, modelsDir, type ModelCard } from './cards.js';

export interface CreateSegmenterOptions {
  env: EnvSettings;
  /** config/models.yaml: model cards, the default card, threads, the remote endpoint. */
  models: ModelsConfig;
  /** config/images.yaml limits, checked before a photo is decoded. */
  limits: ImageLimits;
  /** Model card name; default SEGMENT_MODEL or config `models.default`. */
  card?: string;
  /** Model input size override (dynamic-shape models such as SegFormer), e.g. 384 for speed. */
  inputSize?: { width: number; height: number };
}

/**
 * Picks the segmenter at each call: the local onnx model when its file is in the cache (it may
 * arrive later from the background download), else the remote endpoint if configured, else
 * `segment()` throws UserFacingError('segment.model_missing') — whole-image edits don't need it.
 */
class AutoSegmenter implements Segmenter {
  readonly labels: readonly string[];
  private local: OnnxSegmenter | undefined;
  constructor(
    readonly name: string,
    private readonly file: string,
    private readonly makeLocal: () => OnnxSegmenter,
    private readonly remote: RemoteSegmenter | undefined,
    labels: readonly string[],
  ) {
    this.labels = labels;
  }

  private pick(): Segmenter | undefined {
    if (this.local || existsSync(this.file)) return (this.local ??= this.makeLocal());
    return this.remote;
  }

  segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap> {
    const s = this.pick();
    if (!s) return Promise.reject(new UserFacingError('segment.model_missing', { model: this.name }));
    return s.segment(image, signal);
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    const s = this.pick();
    if (!s) {
      return { name: `segmenter:${this.name}`, state: 'down', detail: `model not installed: run \`chat-image-editor models fetch ${this.name}\` or set SEGMENTER_URL` };
    }
    return s.health(signal);
  }

  async close(): Promise<void> {
    await this.local?.close();
    await this.remote?.close();
  }
}

export function createSegmenter(opts: CreateSegmenterOptions): Segmenter {
  const cfg = opts.models;
  const name = opts.card ?? activeCardName(opts.env, cfg);
  const card = getCard(name, cfg);
  const { file, managed } = resolveModelFile(name, card, opts.env, cfg);
  const limits = opts.limits;
  const remoteUrl = opts.env.segment?.remoteUrl ?? cfg.remote.url ?? undefined;
  const remote = remoteUrl ? new RemoteSegmenter(remoteUrl, card.labels, { timeoutMs: cfg.remote.timeoutMs, limits }) : undefined;
  const makeLocal = () =>
    new OnnxSegmenter({ name, card, file, verifyHash: managed, threads: cfg.threads, limits, inputSize: opts.inputSize });
  return new AutoSegmenter(name, file, makeLocal, remote, card.labels);
}


const background = new Map<string, Promise<void>>();

/**
 * For `serve`: fetches the active model in the background when it is absent and no remote
 * segmenter is configured. Never blocks, never prompts; progress and failures go to the log.
 */
export function ensureDefaultModelInBackground({ env, models: cfg, logger }: { env: EnvSettings; models: ModelsConfig; logger: Logger }): void {
  let name: string;
  try {
    name = activeCardName(env, cfg);
    const card = getCard(name, cfg);
    const { file, managed } = resolveModelFile(name, card, env, cfg);
    if (existsSync(file)) return;
    if (!managed) {
      logger.warn({ model: name, file }, 'segmentation model file not found; part-based edits are unavailable');
      return;
    }
    if (env.segment?.remoteUrl ?? cfg.remote.url) return;
    if (background.has(file)) return;
    let lastDecile = -1;
    const onProgress = (p: DownloadProgress) => {
      if (!p.total) return;
      const decile = Math.floor((p.received / p.total) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        logger.info({ model: name, received: p.received, total: p.total, percent: decile * 10 }, 'downloading segmentation model');
      }
    };
    logger.info({ model: name, url: card.url }, 'segmentation model absent; downloading it in the background');
    const job = fetchModel(name, card, env, { onProgress })
      .then((r) => logger.info({ model: name, file: r.file, bytes: r.bytes }, 'segmentation model ready'))
      .catch((err: unknown) => {
        const detail = err instanceof UserFacingError ? { key: err.key, ...err.params } : { error: String(err) };
        logger.warn({ model: name, ...detail }, 'segmentation model download failed; part-based edits stay unavailable');
      })
      .finally(() => background.delete(file));
    background.set(file, job);
  } catch (err) {
    logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not check the segmentation model');
  }
}

/** Test hook: waits for background downloads started by ensureDefaultModelInBackground. */
export async function backgroundDownloads(): Promise<void> {
  await Promise.all(background.values());
}

