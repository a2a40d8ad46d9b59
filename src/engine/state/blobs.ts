import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';

/** A stored image: `id` is `<sha256>.<ext>`, so identical bytes are stored once. */
export interface BlobRef {
  id: string;
  mimeType: string;
  bytes: number;
}

/** Where originals and revisions live: files on disk by default, memory in tests. Never inside keyv. */
export interface BlobStore {
  put(data: Buffer, mimeType: string): Promise<BlobRef>;
  get(id: string): Promise<Buffer>;
}

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/tiff': 'tiff' };

/** Bytes hashed between two turns of the event loop (about a millisecond each). */
const HASH_SLICE = 1 << 20;

/**
 * sha256 in slices, yielding to the event loop between them: a 49 MP revision is a PNG of a
 * hundred megabytes or more, a quarter of a second of hashing that must not block webhook acks.
 */
export async function sha256(data: Buffer): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < data.length; at += HASH_SLICE) {
    hash.update(data.subarray(at, at + HASH_SLICE));
    if (at + HASH_SLICE < data.length) await new Promise<void>((r) => setImmediate(r));
  }
  return hash.digest('hex');
}

async function blobId(data: Buffer, mimeType: string): Promise<string> {
  return `${await sha256(data)}.${EXT[mimeType] ?? 'bin'}`;
}

const ID_PATTERN = /^[0-9a-f]{64}\.[a-z]{2,4}$/;

/** DATA_DIR/images/<sha256>.<ext>, written to a temporary name and renamed so a crash never leaves half a file. */
export class FileBlobStore implements BlobStore {
  private ready?: Promise<unknown>;
  constructor(readonly dir: string) {}

  async put(data: Buffer, mimeType: string): Promise<BlobRef> {
    const id = await blobId(data, mimeType);
    const file = path.join(this.dir, id);
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const existing = await stat(file).catch(() => undefined);
    if (!existing || existing.size !== data.length) {
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, data);
      try {
        await rename(tmp, file);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    }
    return { id, mimeType, bytes: data.length };
  }

  async get(id: string): Promise<Buffer> {
    if (!ID_PATTERN.test(id)) throw new Error(`not a blob id: ${id}`);
    return readFile(path.join(this.dir, id));
  }
}

export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();

  async put(data: Buffer, mimeType: string): Promise<BlobRef> {
    const id = await blobId(data, mimeType);
    this.blobs.set(id, data);
    return { id, mimeType, bytes: data.length };
  }

  async get(id: string): Promise<Buffer> {
    const data = this.blobs.get(id);
    if (!data) throw new Error(`blob ${id} not found`);
    return data;
  }
}
