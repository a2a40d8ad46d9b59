import { existsSync } from 'node:fs';
import os from 'node:os';
import { Piscina } from 'piscina';
import type { EnvSettings } from '../../config/env.js';
import type { InpaintCard } from '../../config/schemas/inpaint.js';
import { hasMessage, type MessageKey } from '../../i18n/index.js';
import { UserFacingError } from '../../util/errors.js';
import { childLogger } from '../../util/logger.js';
import { fetchModel, type DownloadProgress } from '../segment/download.js';
import { verifyModelFile } from '../segment/hash.js';
import { resolveInpaintFile } from './cards.js';
import type { InpaintReply, InpaintTask } from './protocol.js';
import { compiledWorker } from '../../util/worker-script.js';

export interface InpaintModelOptions {
  name: string;
  card: InpaintCard;
  env: Pick<EnvSettings, 'dataDir'>;
  threads?: number;
  /** Download the file on first use when it is missing (default true). */
  downloadOnFirstUse?: boolean;
  /** After a failed download, how long configured() says no (the bot stops proposing erase). */
  retryAfterMs?: number;
}

/**
 * An embedded inpainting model: the file (downloaded on first use through the segmenter's
 * downloader: sha256-checked, resumed), and a one-thread piscina pool whose worker holds the
 * onnxruntime session. The session stays warm for a minute after the last job.
 */
export class InpaintModel {
  readonly name: string;
  readonly card: InpaintCard;
  private readonly file: string;
  private readonly managed: boolean;
  private pool: Piscina | undefined;
  private ready: Promise<void> | undefined;
  private failedAt = 0;
  private readonly log = childLogger({ module: 'inpaint' });

  constructor(private readonly opts: InpaintModelOptions) {
    this.name = opts.name;
    this.card = opts.card;
    const r = resolveInpaintFile(opts.card, opts.env);
    this.file = r.file;
    this.managed = r.managed;
  }

  present(): boolean {
    return existsSync(this.file);
  }

  /** Whether erase can use this model now: the file is there, or it can be fetched on first use. */
  available(): boolean {
    if (this.present()) return true;
    if (!this.managed || !this.card.url || this.opts.downloadOnFirstUse === false) return false;
    return Date.now() - this.failedAt > (this.opts.retryAfterMs ?? 10 * 60_000);
  }

  private prepare(signal?: AbortSignal): Promise<void> {
    this.ready ??= (async () => {
      if (!this.present()) {
        if (!this.managed || !this.card.url || this.opts.downloadOnFirstUse === false) {
          throw new UserFacingError('inpaint.unavailable', { model: this.name, path: this.file });
        }
        this.log.info({ model: this.name, url: this.card.url }, 'inpainting model absent; downloading it (first erase)');
        let decile = -1;
        const onProgress = (p: DownloadProgress) => {
          if (!p.total) return;
          const d = Math.floor((p.received / p.total) * 10);
          if (d !== decile) this.log.info({ model: this.name, percent: (decile = d) * 10 }, 'downloading inpainting model');
        };
        try {
          await fetchModel(this.name, this.card, this.opts.env, { onProgress, ...(signal ? { signal } : {}) });
        } catch (err) {
          this.failedAt = Date.now();
          const detail = err instanceof UserFacingError ? err.key : err instanceof Error ? err.message : String(err);
          throw new UserFacingError('inpaint.download_failed', { model: this.name, detail: detail.slice(0, 120), path: this.file }, { cause: err });
        }
      } else if (this.managed && this.card.sha256) {
        await verifyModelFile(this.name, this.file, this.card.sha256);
      }
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Fills the non-zero mask pixels of an RGB crop already at the working size. */
  async run(rgb: Uint8Array, mask: Uint8Array, width: number, height: number, signal?: AbortSignal): Promise<{ rgb: Uint8Array; inferenceMs: number }> {
    await this.prepare(signal);
    this.pool ??= new Piscina({ filename: compiledWorker(import.meta.url).href, minThreads: 0, maxThreads: 1, idleTimeout: 60_000, atomics: 'disabled' });
    const task: InpaintTask = { modelName: this.name, file: this.file, card: this.card, threads: this.opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism())), rgb, mask, width, height };
    const reply = (await this.pool.run(task, signal ? { signal } : {})) as InpaintReply;
    if (reply.ok) return { rgb: reply.rgb, inferenceMs: reply.inferenceMs };
    if (reply.key && hasMessage(reply.key)) throw new UserFacingError(reply.key as MessageKey, reply.params ?? {});
    throw new UserFacingError('inpaint.failed', { model: this.name, detail: reply.message.slice(0, 160) });
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
