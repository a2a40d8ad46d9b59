import { UserFacingError } from '../../util/errors.js';

/** Largest photo we download from Slack (Slack itself allows 1 GB; photos never need that). */
export const MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;
const MAX_REDIRECTS = 3;

/**
 * Hosts that may receive the bot token: Slack's file hosts only, so a crafted `url_private` can
 * never leak the token or make us fetch internal addresses. A loopback API base (tests, a local
 * proxy) adds its own host.
 */
export function allowedFileHost(url: URL, extraHosts: readonly string[] = []): boolean {
  const host = url.hostname.toLowerCase();
  if (extraHosts.includes(url.host.toLowerCase())) return url.protocol === 'http:' || url.protocol === 'https:';
  if (url.protocol !== 'https:') return false;
  return host === 'files.slack.com' || host.endsWith('.slack-edge.com');
}

/** Hosts to trust besides Slack's: the API base's host when it is a loopback address. */
export function loopbackHostsOf(apiUrl: string | undefined): string[] {
  if (!apiUrl) return [];
  try {
    const u = new URL(apiUrl);
    const h = u.hostname.replace(/^\[|\]$/g, '');
    return h === '127.0.0.1' || h === 'localhost' || h === '::1' ? [u.host.toLowerCase()] : [];
  } catch {
    return [];
  }
}

export interface DownloadOptions {
  token: string;
  extraHosts?: readonly string[];
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Downloads a Slack file with the bot token, following redirects only between allowed hosts. */
export async function downloadSlackFile(rawUrl: string, opts: DownloadOptions): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? MAX_DOWNLOAD_BYTES;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UserFacingError('slack.file_host_refused');
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!allowedFileHost(url, opts.extraHosts)) throw new UserFacingError('slack.file_host_refused');
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${opts.token}` }, redirect: 'manual', signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new UserFacingError('slack.download_failed', { status: 'network' }, { cause: err });
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      url = new URL(res.headers.get('location') as string, url);
      await res.body?.cancel();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new UserFacingError('slack.download_failed', { status: res.status });
    }
    // Without the files:read scope Slack answers 200 with its sign-in page instead of the file.
    if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      await res.body?.cancel();
      throw new UserFacingError('slack.download_failed', { status: 'html' });
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      throw new UserFacingError('slack.file_too_large', { size: mb(declared), limit: mb(maxBytes) });
    }
    return readCapped(res, maxBytes);
  }
  throw new UserFacingError('slack.download_failed', { status: 'redirects' });
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new UserFacingError('slack.file_too_large', { size: `> ${mb(maxBytes)}`, limit: mb(maxBytes) });
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
