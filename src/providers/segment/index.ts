import { existsSync } from 'node:fs';
import type { EnvSettings } from '../../config/env.js';
import type { ModelsConfig } from '../../config/schemas/models.js';
import type { ImageLimits } from '../../core/image-io.js';
import type { LabelMap } from '../../core/types.js';
import { UserFacingError } from '../../util/errors.js';
import type { HealthStatus } from '../../core/health.js';
import { explainParts, sentence } from '../../core/availability.js';
import { activeCardName, getCard, resolveModelFile } from './cards.js';
import { readPartsState, type ModelDownloads } from './status.js';
import { OnnxSegmenter } from './onnx.js';
import { RemoteSegmenter } from './remote.js';
import type { Segmenter } from './types.js';

export type { Segmenter } from './types.js';
export { SegmentationService } from './service.js';
export { OnnxSegmenter } from './onnx.js';
export { RemoteSegmenter } from './remote.js';
export { fetchModel, modelUrl, HUB, type DownloadProgress, type DownloadableCard, type FetchModelOptions, type FetchModelResult } from './download.js';
export { ModelDownloads, readPartsState, partsFromNote, ensureDefaultModelInBackground, noteFile, type DownloadNote } from './status.js';
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
  /** The process's model downloads, so health says "downloading 45 %" rather than "not installed". */
  downloads?: ModelDownloads;
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
    private readonly why: () => string,
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
    if (!s) return { name: `segmenter:${this.name}`, state: 'down', detail: this.why() };
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
  const why = () => sentence(explainParts(readPartsState(opts.env, cfg, opts.downloads), 'en', 'operator'));
  return new AutoSegmenter(name, file, makeLocal, remote, card.labels, why);
}

