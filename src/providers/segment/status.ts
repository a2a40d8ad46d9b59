import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnvSettings } from '../../config/env.js';
import type { ModelsConfig } from '../../config/schemas/models.js';
import { explainParts, sentence, type PartsState } from '../../core/availability.js';
import { UserFacingError, errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { activeCardName, getCard, resolveModelFile } from './cards.js';
import { HUB, fetchModel, modelUrl, type DownloadableCard, type DownloadProgress, type FetchModelResult } from './download.js';

/** A download's state, kept in memory and in `<file>.download.json` so other processes (doctor, the CLI) see it too. */
export interface DownloadNote {
  model: string;
  state: 'downloading' | 'failed' | 'offline';
  received: number;
  total?: number;
  etaSeconds?: number;
  host?: string;
  detail?: string;
  /** The card's URL is on the public hub, so HF_ENDPOINT can point it at a mirror. */
  hub?: boolean;
  pid: number;
  updatedAt: number;
}

/** A "downloading" note older than this is a process that died: the next start resumes from the .part file. */
const STALE_MS = 30_000;
const NOTE_EVERY_MS = 1_000;

export function noteFile(file: string): string {
  return `${file}.download.json`;
}

function readNote(file: string, now: number): DownloadNote | undefined {
  try {
    const note = JSON.parse(readFileSync(noteFile(file), 'utf8')) as DownloadNote;
    // A download counts only while its process lives and writes (this process's own are in memory).
    if (note.state === 'downloading' && (now - note.updatedAt > STALE_MS || note.pid === process.pid || !alive(note.pid))) return undefined;
    return note;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The model downloads of this process: each card's file is fetched once at a time, its progress
 * (with a rate and an ETA) and its failure are kept for every surface that asks, and listeners
 * hear each change. Never throws: a failed download is a state, not an exception.
 */
export class ModelDownloads {
  private readonly notes = new Map<string, DownloadNote>();
  private readonly running = new Map<string, Promise<FetchModelResult | undefined>>();
  private readonly listeners = new Set<() => void>();
  private readonly written = new Map<string, number>();
  private readonly closing = new AbortController();

  constructor(private readonly opts: { now?: () => number; idleTimeoutMs?: number } = {}) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The download state of a file: this process's, else another process's note (when fresh). */
  state(file: string): DownloadNote | undefined {
    return this.notes.get(file) ?? readNote(file, this.now());
  }

  isRunning(file: string): boolean {
    return this.running.has(file);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every download started here has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Shutdown: stops the downloads (their .part files stay, and the next start resumes them). */
  async close(): Promise<void> {
    this.closing.abort(new Error('shutting down'));
    await this.settled();
  }

  /**
   * Fetches a card's file unless a download of it is already running here (then that one's
   * promise is returned). Resolves with the result, or undefined when it failed (the state says why).
   */
  fetch(
    name: string,
    card: DownloadableCard,
    env: Pick<EnvSettings, 'dataDir' | 'hfEndpoint'>,
    o: { logger?: Logger; file: string; onProgress?: (p: DownloadProgress) => void; signal?: AbortSignal },
  ): Promise<FetchModelResult | undefined> {
    const { file } = o;
    const running = this.running.get(file);
    if (running) return running;
    const started = this.now();
    let base: number | undefined;
    let lastPercent = -1;
    const onProgress = (p: DownloadProgress) => {
      o.onProgress?.(p);
      base ??= p.received;
      const elapsed = (this.now() - started) / 1000;
      const rate = elapsed >= 1 && p.received > base ? (p.received - base) / elapsed : undefined;
      const etaSeconds = rate && p.total ? Math.max(0, (p.total - p.received) / rate) : undefined;
      const note: DownloadNote = { model: name, state: 'downloading', received: p.received, total: p.total, etaSeconds, pid: process.pid, updatedAt: this.now() };
      this.notes.set(file, note);
      const percent = p.total ? Math.floor((p.received / p.total) * 100) : -1;
      if (percent !== lastPercent || percent < 0) {
        lastPercent = percent;
        this.emit();
        if (o.logger && percent % 10 === 0) o.logger.info({ model: name, received: p.received, total: p.total, percent }, sentence(explainParts(partsFromNote(note, file), 'en', 'operator')));
      }
      void this.persist(file, note);
    };
    const url = card.url ? modelUrl(card.url, env) : undefined;
    this.notes.set(file, { model: name, state: 'downloading', received: 0, total: card.size ?? undefined, pid: process.pid, updatedAt: started });
    this.emit();
    const signal = o.signal ? AbortSignal.any([o.signal, this.closing.signal]) : this.closing.signal;
    const job = fetchModel(name, card, env, { onProgress, signal, idleTimeoutMs: this.opts.idleTimeoutMs })
      .then(async (r) => {
        this.notes.delete(file);
        await unlink(noteFile(file)).catch(() => undefined);
        o.logger?.info({ model: name, file: r.file, bytes: r.bytes }, 'segmentation model ready');
        return r;
      })
      .catch(async (err: unknown) => {
        if (signal.aborted) {
          // Stopped on purpose: not a failure; the next start resumes from the .part file.
          this.notes.delete(file);
          await unlink(noteFile(file)).catch(() => undefined);
          return undefined;
        }
        const offline = err instanceof UserFacingError && err.key === 'segment.download_offline';
        const detail = err instanceof UserFacingError ? String(err.params.detail ?? err.params.status ?? err.key.replace(/^segment\./, '')) : errorMessage(err).slice(0, 120);
        const note: DownloadNote = {
          model: name,
          state: offline ? 'offline' : 'failed',
          received: this.notes.get(file)?.received ?? 0,
          host: url ? new URL(url).host : undefined,
          hub: Boolean(card.url && (card.url === HUB || card.url.startsWith(`${HUB}/`))),
          detail: err instanceof UserFacingError && err.key === 'segment.model_bad_hash' ? 'sha256 mismatch' : detail,
          pid: process.pid,
          updatedAt: this.now(),
        };
        this.notes.set(file, note);
        await this.persist(file, note, true);
        const error = err instanceof UserFacingError ? { key: err.key, ...err.params } : { error: errorMessage(err) };
        o.logger?.warn({ model: name, ...error }, sentence(explainParts(partsFromNote(note, file), 'en', 'operator')));
        return undefined;
      })
      .finally(() => {
        this.running.delete(file);
        this.emit();
      });
    this.running.set(file, job);
    return job;
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private async persist(file: string, note: DownloadNote, force = false): Promise<void> {
    const last = this.written.get(file) ?? 0;
    if (!force && note.updatedAt - last < NOTE_EVERY_MS) return;
    this.written.set(file, note.updatedAt);
    await mkdir(path.dirname(file), { recursive: true }).catch(() => undefined);
    await writeFile(noteFile(file), JSON.stringify(note)).catch(() => undefined);
  }
}

/** A download's note as the parts state it means. */
export function partsFromNote(note: DownloadNote, file: string): PartsState {
  if (note.state === 'downloading') return { state: 'downloading', model: note.model, received: note.received, total: note.total, etaSeconds: note.etaSeconds };
  if (note.state === 'offline') return { state: 'offline', model: note.model, host: note.host ?? '?', detail: note.detail ?? '', hub: note.hub };
  return { state: 'failed', model: note.model, detail: note.detail ?? path.basename(file) };
}

/**
 * The parts model's state, from the files and the downloads (this process's, or another's note):
 * the one answer `doctor`, the status panel, the CLI and the engine give.
 */
export function readPartsState(env: Pick<EnvSettings, 'dataDir' | 'segment'>, cfg: ModelsConfig, downloads?: ModelDownloads): PartsState {
  const model = activeCardName(env, cfg);
  const card = getCard(model, cfg);
  const { file, managed } = resolveModelFile(model, card, env, cfg);
  if (existsSync(file)) return { state: 'ready', model, via: 'local' };
  if (env.segment?.remoteUrl ?? cfg.remote.url) return { state: 'ready', model, via: 'remote' };
  if (!managed) return { state: 'file-missing', model, file, by: env.segment?.modelPath ? 'SEGMENT_MODEL_PATH' : 'card' };
  if (!card.url) return { state: 'file-missing', model, file, by: 'card' };
  const note = downloads ? downloads.state(file) : readNote(file, Date.now());
  if (note) return partsFromNote(note, file);
  let partial: number | undefined;
  try {
    partial = statSync(`${file}.part`).size;
  } catch {
    partial = undefined;
  }
  return { state: 'not-downloaded', model, size: card.size ?? undefined, ...(partial ? { partial } : {}) };
}

/**
 * For `serve`: fetches the active parts model in the background when it is absent and no remote
 * segmenter is configured. Never blocks, never prompts; progress and failures go to the log and
 * to `downloads`, where every surface reads them.
 */
export function ensureDefaultModelInBackground({ env, models: cfg, logger, downloads }: { env: EnvSettings; models: ModelsConfig; logger: Logger; downloads: ModelDownloads }): void {
  try {
    const name = activeCardName(env, cfg);
    const card = getCard(name, cfg);
    const { file, managed } = resolveModelFile(name, card, env, cfg);
    if (existsSync(file) || env.segment?.remoteUrl || cfg.remote.url) return;
    if (!managed || !card.url) {
      logger.warn({ model: name, file }, sentence(explainParts(readPartsState(env, cfg, downloads), 'en', 'operator')));
      return;
    }
    logger.info({ model: name, url: modelUrl(card.url, env), bytes: card.size }, 'segmentation model absent; downloading it in the background');
    void downloads.fetch(name, card, env, { logger, file });
  } catch (err) {
    logger.warn({ error: errorMessage(err) }, 'could not check the segmentation model');
  }
}
