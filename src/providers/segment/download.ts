import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { EnvSettings } from '../../config/env.js';
import type { ModelCard } from '../../config/schemas/models.js';
import { UserFacingError } from '../../util/errors.js';
import { managedModelPath, modelsDir } from './cards.js';
import { sha256File, verifyModelFile } from './hash.js';

export interface DownloadProgress {
  received: number;
  /** Total bytes when known (Content-Length / Content-Range / card size). */
  total?: number;
  resumedFrom: number;
}

export interface FetchModelOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Re-download even when a verified copy is present. */
  force?: boolean;
  /** A download that receives nothing for this long is given up (the .part file stays for a resume). Default 60 s. */
  idleTimeoutMs?: number;
}

/** What the downloader needs of a model card (segmentation and inpainting cards both have it). */
export type DownloadableCard = Pick<ModelCard, 'file' | 'url' | 'sha256' | 'size' | 'description'>;

export interface FetchModelResult {
  file: string;
  sha256: string;
  bytes: number;
  downloaded: boolean;
}

/** The public hub that model card URLs name; HF_ENDPOINT replaces it (mirrors). */
export const HUB = 'https://huggingface.co';

/**
 * Where a card's file is fetched from: its URL, with the public hub's base replaced by HF_ENDPOINT
 * when that is set (`https://hf-mirror.com`, a company mirror…). URLs on other hosts stay as they are.
 */
export function modelUrl(url: string, env: Pick<EnvSettings, 'hfEndpoint'>): string {
  const endpoint = env.hfEndpoint?.trim().replace(/\/+$/, '');
  if (!endpoint || !(url === HUB || url.startsWith(`${HUB}/`))) return url;
  return `${endpoint}${url.slice(HUB.length)}`;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** A server answered a resume with another range than asked: the partial file is dropped and the download starts over. */
class RestartDownload extends Error {}

/**
 * Downloads a model card's file into DATA_DIR/models: `<file>.part` first, resumed with an HTTP
 * Range request when a partial file is there, sha256-checked against the card, then renamed into
 * place (atomic on one filesystem), so a half-written model is never loaded. The URL's hub base
 * follows HF_ENDPOINT.
 */
export async function fetchModel(
  name: string,
  card: DownloadableCard,
  env: Pick<EnvSettings, 'dataDir' | 'hfEndpoint'>,
  opts: FetchModelOptions = {},
): Promise<FetchModelResult> {
  const file = managedModelPath(card, env);
  if (!card.url) throw new UserFacingError('segment.no_url', { model: name, hint: card.description });
  if (!opts.force && existsSync(file)) {
    const bytes = (await stat(file)).size;
    if (card.sha256) {
      const sha256 = await verifyModelFile(name, file, card.sha256).catch(() => undefined);
      if (sha256) return { file, sha256, bytes, downloaded: false };
    } else {
      return { file, sha256: await sha256File(file), bytes, downloaded: false };
    }
  }
  await mkdir(modelsDir(env), { recursive: true });
  const part = `${file}.part`;
  const url = modelUrl(card.url, env);
  try {
    await receive(name, card, { file, part, url }, opts);
  } catch (err) {
    if (err instanceof RestartDownload) return fetchModel(name, card, env, { ...opts, force: true });
    throw err;
  }
  return finish(name, card, file, part, url);
}

/** One HTTP request: appends what it receives to the .part file (resuming it when there is one). */
async function receive(name: string, card: DownloadableCard, where: { file: string; part: string; url: string }, opts: FetchModelOptions): Promise<void> {
  const { file, part, url } = where;
  const host = new URL(url).host;
  let resumeFrom = existsSync(part) ? (await stat(part)).size : 0;
  // A connection that stops sending is a failure too: "downloading" must not last forever.
  const idle = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`no data for ${Math.round(idleMs / 1000)} s`)), idleMs);
    timer.unref?.();
  };
  const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
  const offline = (err: unknown) => {
    opts.signal?.throwIfAborted();
    const raw = idle.signal.aborted ? (idle.signal.reason as Error).message : networkDetail(err);
    return new UserFacingError('segment.download_offline', { host, model: name, detail: OFFLINE_CODES.has(raw) ? raw : raw.slice(0, 80), url, path: file }, { cause: err });
  };
  touch();
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: resumeFrom > 0 ? { range: `bytes=${resumeFrom}-` } : {}, redirect: 'follow', signal });
    } catch (err) {
      throw offline(err);
    }
    // The partial file is already complete (or longer than the file): it is checked as it is.
    if (res.status === 416 && resumeFrom > 0) return void (await res.body?.cancel());
    if (res.status === 206) {
      const range = res.headers.get('content-range') ?? '';
      if (!range.startsWith(`bytes ${resumeFrom}-`)) {
        await res.body?.cancel();
        await unlink(part).catch(() => undefined);
        throw new RestartDownload();
      }
    } else if (res.ok) {
      resumeFrom = 0; // the server ignored the Range header: start over
    } else {
      await res.body?.cancel();
      throw new UserFacingError('segment.download_failed', { model: name, status: `${res.status} ${res.statusText}`.trim() });
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? resumeFrom + length : (card.size ?? undefined);
    const out = createWriteStream(part, { flags: resumeFrom > 0 ? 'a' : 'w' });
    let received = resumeFrom;
    try {
      opts.onProgress?.({ received, total, resumedFrom: resumeFrom });
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          touch();
          received += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain');
          opts.onProgress?.({ received, total, resumedFrom: resumeFrom });
        }
      }
      out.end();
      await once(out, 'finish');
    } catch (err) {
      out.destroy();
      // The .part file stays: the next fetch resumes from it.
      throw offline(err);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Size and sha256 against the card, then the rename that makes the file visible. */
async function finish(name: string, card: DownloadableCard, file: string, part: string, url: string): Promise<FetchModelResult> {
  const bytes = (await stat(part)).size;
  if (card.size && bytes !== card.size) {
    if (bytes > card.size) await unlink(part).catch(() => undefined);
    throw new UserFacingError('segment.download_size', { model: name, actual: bytes, expected: card.size });
  }
  const sha256 = await sha256File(part);
  if (card.sha256 && sha256 !== card.sha256) {
    await unlink(part).catch(() => undefined);
    throw new UserFacingError('segment.model_bad_hash', { model: name, file: url, actual: sha256, expected: card.sha256 });
  }
  await rename(part, file);
  if (card.sha256) {
    const st = await stat(file);
    await writeFile(`${file}.verified`, `${st.size}:${Math.round(st.mtimeMs)}:${card.sha256}`).catch(() => undefined);
  }
  return { file, sha256, bytes, downloaded: true };
}
