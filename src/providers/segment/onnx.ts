import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import type { ModelCard } from '../../config/schemas/models.js';
import { UserFacingError } from '../../util/errors.js';
import type { MessageKey } from '../../i18n/index.js';
import { hasMessage } from '../../i18n/index.js';
import { decodeForModel } from './decode.js';
import type { ImageLimits } from '../../core/image-io.js';
import type { LabelMap } from '../../core/types.js';
import type { HealthStatus } from '../../core/health.js';
import type { SegmentRequest, WorkerError, WorkerInit, WorkerReply } from './protocol.js';
import { verifyModelFile } from './hash.js';
import type { Segmenter } from './types.js';
import { compiledWorker } from '../../util/worker-script.js';

function toError(e: WorkerError): Error {
  if (e.key && hasMessage(e.key)) return new UserFacingError(e.key as MessageKey, e.params ?? {});
  return new UserFacingError('segment.failed', { detail: e.message.slice(0, 160) });
}

export interface RunTimings {
  decodeMs: number;
  inferenceMs: number;
  postMs: number;
}

interface WorkerResult {
  labels: Uint8Array;
  inferenceMs: number;
  postMs: number;
}

interface Pending {
  resolve(result: WorkerResult): void;
  reject(err: Error): void;
}

/** One worker (one onnxruntime session) per model file, shared by every segmenter using it. */
class ModelWorker {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  readonly ready: Promise<void>;
  users = 0;
  failed: Error | undefined;

  constructor(init: WorkerInit) {
    this.worker = new Worker(compiledWorker(import.meta.url), { workerData: init });
    this.worker.unref();
    let markReady!: () => void;
    let markFailed!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => ((markReady = res), (markFailed = rej)));
    this.ready.catch(() => undefined);
    this.worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') return markReady();
      if (msg.id === 0 && msg.type === 'error') {
        this.failed = toError(msg.error);
        return markFailed(this.failed);
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) this.worker.unref();
      if (msg.type === 'result') p.resolve({ labels: msg.labels, inferenceMs: msg.inferenceMs, postMs: msg.postMs });
      else if (msg.type === 'error') p.reject(toError(msg.error));
    });
    const fail = (err: Error) => {
      this.failed = new UserFacingError('segment.failed', { detail: err.message.slice(0, 160) }, { cause: err });
      markFailed(this.failed);
      for (const p of this.pending.values()) p.reject(this.failed);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0 || !this.failed) fail(new Error(`inference worker exited (${code})`));
    });
  }

  run(req: Omit<SegmentRequest, 'id' | 'type'>, signal?: AbortSignal): Promise<WorkerResult> {
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      const onAbort = () => {
        // The run cannot be interrupted inside onnxruntime; its answer is dropped when it comes.
        this.pending.delete(id);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => (signal?.removeEventListener('abort', onAbort), resolve(v)),
        reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
      });
      this.worker.ref();
      this.worker.postMessage({ type: 'segment', id, ...req } satisfies SegmentRequest, [req.pixels.buffer as ArrayBuffer]);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

const workers = new Map<string, ModelWorker>();

export interface OnnxSegmenterOptions {
  name: string;
  card: ModelCard;
  file: string;
  /** Check the file's sha256 against the card before the first use (managed downloads). */
  verifyHash: boolean;
  threads: number;
  limits?: ImageLimits;
  /** Model input size override (e.g. 384 for speed); default the card's. */
  inputSize?: { width: number; height: number };
}

/** Local segmentation with onnxruntime-node, off the main thread. */
export class OnnxSegmenter implements Segmenter {
  readonly name: string;
  readonly labels: readonly string[];
  private worker: ModelWorker | undefined;
  private starting: Promise<ModelWorker> | undefined;
  private closed = false;
  /** Where the time of the last photo went (for metrics and benchmarks). */
  lastTimings: RunTimings | undefined;

  constructor(private readonly opts: OnnxSegmenterOptions) {
    this.name = opts.name;
    this.labels = opts.card.labels;
  }

  private start(): Promise<ModelWorker> {
    this.starting ??= (async () => {
      if (!existsSync(this.opts.file)) throw new UserFacingError('segment.model_missing', { model: this.name });
      if (this.opts.verifyHash && this.opts.card.sha256) await verifyModelFile(this.name, this.opts.file, this.opts.card.sha256);
      const key = `${this.opts.file}|${this.opts.threads}`;
      let w = workers.get(key);
      if (!w || w.failed) {
        if (w?.failed) void w.terminate();
        w = new ModelWorker({ modelName: this.name, modelFile: this.opts.file, card: this.opts.card, threads: this.opts.threads });
        workers.set(key, w);
      }
      w.users++;
      this.worker = w;
      await w.ready;
      return w;
    })();
    // A failed start (missing file, bad hash) is retried on the next call: the file may appear.
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  async segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap> {
    if (this.closed) throw new Error('segmenter closed');
    const worker = await this.start();
    const size = this.opts.inputSize ?? { width: this.opts.card.input.width, height: this.opts.card.input.height };
    const t0 = performance.now();
    const decoded = await decodeForModel(image, size.width, size.height, this.opts.limits);
    const decodeMs = performance.now() - t0;
    signal?.throwIfAborted();
    const result = await worker.run(
      {
        pixels: decoded.pixels,
        channels: decoded.channels,
        inputWidth: size.width,
        inputHeight: size.height,
        outWidth: decoded.width,
        outHeight: decoded.height,
      },
      signal,
    );
    this.lastTimings = { decodeMs, inferenceMs: result.inferenceMs, postMs: result.postMs };
    return { width: decoded.width, height: decoded.height, data: result.labels, labels: this.labels };
  }

  async health(): Promise<HealthStatus> {
    const name = `segmenter:${this.name}`;
    if (!existsSync(this.opts.file)) return { name, state: 'down', detail: `model file missing: run \`chat-image-editor models fetch ${this.name}\`` };
    try {
      await this.start();
      return { name, state: 'ok', detail: `local onnxruntime, ${this.opts.threads} threads` };
    } catch (err) {
      return { name, state: 'down', detail: err instanceof Error ? err.message.slice(0, 200) : String(err) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.worker;
    if (!w) return;
    w.users--;
    if (w.users <= 0) {
      for (const [k, v] of workers) if (v === w) workers.delete(k);
      await w.terminate();
    }
  }
}
