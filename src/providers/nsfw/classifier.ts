import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Piscina } from 'piscina';
import type { EnvSettings } from '../../config/env.js';
import type { ClassifierCard } from '../../config/schemas/safety.js';
import type { HealthStatus } from '../../core/health.js';
import { managedModelPath } from '../segment/cards.js';
import { fetchModel, type DownloadProgress } from '../segment/download.js';
import { verifyModelFile } from '../segment/hash.js';
import type { ClassifyResult, ClassifyTask } from './protocol.js';
import { compiledWorker } from '../../util/worker-script.js';

/** Why the classifier cannot answer (the caller's policy decides whether that blocks an image). */
export class ClassifierUnavailableError extends Error {
  constructor(
    readonly reason: 'missing' | 'download' | 'load' | 'io' | 'run',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ClassifierUnavailableError';
  }
}

export interface ClassifierOptions {
  /** Card name (logs, errors). */
  name: string;
  card: ClassifierCard;
  env: Pick<EnvSettings, 'dataDir'>;
  threads: number;
  /** on-first-use: fetched with the segmentation models' downloader when first needed; manual: must be there. */
  download: 'on-first-use' | 'manual';
  onProgress?: (p: DownloadProgress) => void;
}

export interface Classification {
  /** Sum of the probabilities of the card's unsafe classes (0..1). */
  unsafe: number;
  probabilities: Record<string, number>;
}

/**
 * A local NSFW image classifier described by a model card (ONNX). The file is the card's `path`, or
 * DATA_DIR/models/<file>, downloaded on first use (resumed, sha256-checked when the card pins a
 * hash). Inference runs on a piscina worker; the photo is scaled to the model's input with sharp.
 */
export class NsfwClassifier {
  readonly name: string;
  readonly file: string;
  private readonly managed: boolean;
  private ready: Promise<string> | undefined;
  private pool: Piscina | undefined;

  constructor(private readonly opts: ClassifierOptions) {
    this.name = opts.name;
    this.managed = !opts.card.path;
    this.file = opts.card.path ? path.resolve(opts.card.path) : managedModelPath(opts.card, opts.env);
  }

  /** The model file, fetched or verified once (a failure is retried on the next call). */
  ensure(signal?: AbortSignal): Promise<string> {
    this.ready ??= this.prepare(signal).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async prepare(signal?: AbortSignal): Promise<string> {
    const { card, env } = this.opts;
    if (existsSync(this.file)) {
      if (this.managed && card.sha256) {
        try {
          await verifyModelFile(this.name, this.file, card.sha256);
        } catch (err) {
          throw new ClassifierUnavailableError('load', `model file ${this.file} does not match the card's sha256`, { cause: err });
        }
      }
      return this.file;
    }
    if (!this.managed || this.opts.download === 'manual' || !card.url) {
      throw new ClassifierUnavailableError('missing', `model file ${this.file} is missing${card.url ? ' (download: manual)' : ' and the card has no url'}`);
    }
    try {
      return (await fetchModel(this.name, card, env, { signal, onProgress: this.opts.onProgress })).file;
    } catch (err) {
      throw new ClassifierUnavailableError('download', `could not download ${this.name}: ${err instanceof Error ? err.message.slice(0, 160) : String(err)}`, { cause: err });
    }
  }

  async classify(image: Buffer, signal?: AbortSignal): Promise<Classification> {
    const file = await this.ensure(signal);
    const { card } = this.opts;
    const { default: sharp } = await import('sharp');
    let pixels: Buffer;
    try {
      pixels = await sharp(image, { failOn: 'none' })
        .rotate()
        .flatten({ background: '#ffffff' })
        .resize(card.input.width, card.input.height, { fit: 'fill', kernel: 'linear' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer();
    } catch (err) {
      throw new ClassifierUnavailableError('run', 'the image could not be decoded for the classifier', { cause: err });
    }
    const task: ClassifyTask = { modelName: this.name, modelFile: file, card, threads: this.opts.threads, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length) };
    const result = (await (await this.workers()).run(task, { signal })) as ClassifyResult;
    if (!result.ok) throw new ClassifierUnavailableError(result.kind, `${this.name}: ${result.message}`);
    const probabilities: Record<string, number> = {};
    card.labels.forEach((label, i) => (probabilities[label] = result.probabilities[i] ?? 0));
    const unsafe = Math.min(1, card.unsafe.reduce((sum, label) => sum + (probabilities[label] ?? 0), 0));
    return { unsafe, probabilities };
  }

  private async workers(): Promise<Piscina> {
    if (this.pool) return this.pool;
    const { Piscina } = await import('piscina');
    // One thread: the model is the expensive part and it keeps its session between photos.
    this.pool ??= new Piscina({ filename: compiledWorker(import.meta.url).href, minThreads: 0, maxThreads: 1, idleTimeout: 10 * 60_000, atomics: 'disabled' });
    return this.pool;
  }

  async health(): Promise<HealthStatus> {
    const name = `nsfw:${this.name}`;
    if (existsSync(this.file)) return { name, state: 'ok', detail: `local NSFW classifier ${this.name}` };
    if (this.managed && this.opts.download === 'on-first-use' && this.opts.card.url) return { name, state: 'degraded', detail: `${this.name} is downloaded on first use` };
    return { name, state: 'down', detail: `model file missing: ${this.file}` };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}
