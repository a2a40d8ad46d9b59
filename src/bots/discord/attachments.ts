import type { ImageRef } from '../../engine/types.js';
import { UserFacingError } from '../../util/errors.js';

/** An attachment as both Discord APIs describe it (raw payload or discord.js Attachment). */
export interface DiscordFile {
  id: string;
  filename: string;
  contentType?: string;
  size?: number;
  url: string;
}

export const CDN_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];
const IMAGE_EXT = /\.(png|jpe?g|webp|gif|tiff?|bmp|avif|heic)$/i;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Which URLs may be downloaded: Discord's CDN over https, plus the API host itself when
 * DISCORD_API_URL points at a loopback address (the test fake serves attachments there).
 */
export function attachmentHostPolicy(apiUrl?: string): (url: string) => boolean {
  let loopbackOrigin: string | undefined;
  if (apiUrl) {
    try {
      const u = new URL(apiUrl);
      if (LOOPBACK.has(u.hostname)) loopbackOrigin = u.origin;
    } catch {
      loopbackOrigin = undefined;
    }
  }
  return (raw: string) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return false;
    }
    if (u.username || u.password) return false;
    if (u.protocol === 'https:' && CDN_HOSTS.includes(u.hostname) && (u.port === '' || u.port === '443')) return true;
    return loopbackOrigin !== undefined && u.origin === loopbackOrigin;
  };
}

export function isImageFile(f: DiscordFile): boolean {
  if (f.contentType) return f.contentType.toLowerCase().startsWith('image/');
  return IMAGE_EXT.test(f.filename);
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** Reads a response body, refusing to hold more than `limit` bytes. */
async function readCapped(res: Response, limit: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new UserFacingError('discord.file_too_large', { size: mb(declared), limit: mb(limit) });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new UserFacingError('discord.file_too_large', { size: `>${mb(limit)}`, limit: mb(limit) });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Downloads an attachment: only from allowed hosts, size-capped, redirects refused. */
export async function downloadAttachment(image: ImageRef, allowed: (url: string) => boolean, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  if (!image.url || !allowed(image.url)) throw new UserFacingError('discord.file_host_refused');
  if (image.size !== undefined && image.size > maxBytes) {
    throw new UserFacingError('discord.file_too_large', { size: mb(image.size), limit: mb(maxBytes) });
  }
  // Redirects could leave the allowed hosts, so they are refused rather than followed.
  const res = await fetch(image.url, { signal, redirect: 'error' }).catch((err: unknown) => {
    if (signal?.aborted) throw err;
    throw new UserFacingError('discord.download_failed', { status: 'network error' }, { cause: err });
  });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new UserFacingError('discord.download_failed', { status: res.status });
  }
  return readCapped(res, maxBytes);
}

/** Splits attachments into image refs (downloaded by the adapter when needed) and the names of everything else. */
export function splitAttachments(files: DiscordFile[]): { images: ImageRef[]; otherFiles: string[] } {
  const images: ImageRef[] = [];
  const otherFiles: string[] = [];
  for (const f of files) {
    if (isImageFile(f)) images.push({ id: f.id, name: f.filename, mimeType: f.contentType, size: f.size, url: f.url });
    else otherFiles.push(f.filename);
  }
  return { images, otherFiles };
}
