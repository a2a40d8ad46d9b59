import { LRUCache } from 'lru-cache';
import { t, type Locale } from '../../i18n/index.js';
import { explainParts, type PartsState } from '../../core/availability.js';
import { decodeImage, inspectImage } from '../../core/image-io.js';
import { presentLabels } from '../../pipeline/labelmap.js';
import type { LabelMap } from '../../core/types.js';
import { timed } from '../../util/metrics.js';
import { UserFacingError, errorMessage } from '../../util/errors.js';
import type { EngineContext } from '../context.js';
import type { BlobRef } from '../state/blobs.js';
import type { Revision } from '../state/session.js';
import type { ChatAdapter, ImageRef, ReplyImage } from '../types.js';

/** A photo split into parts, or why it could not be. */
export interface Segmented {
  map?: LabelMap;
  /** Why the photo could not be split into parts (already in the user's language). */
  error?: string;
  /** The error is a complete sentence of its own (it says what still works), not a reason to wrap. */
  explained?: boolean;
  /** Not tried: the parts model is not there (see the availability model). */
  unavailable?: PartsState;
}

/**
 * The engine's photos: intake (download, header check, store), segmentation (deduplicated while
 * running, a few label maps kept: they are megabytes each), overlays and reply attachments.
 */
export class Photos {
  private readonly maps = new LRUCache<string, LabelMap>({ max: 8 });
  private readonly running = new Map<string, Promise<Segmented>>();

  constructor(private readonly ctx: EngineContext) {}

  /**
   * Downloads and checks a photo: size before download, then the header against the limits (no
   * pixel decode here: it would dominate first-reply latency; damage shows at segmentation).
   */
  async intake(ref: ImageRef, adapter: ChatAdapter): Promise<{ blob: BlobRef; width: number; height: number }> {
    const { limits } = this.ctx;
    if (ref.size !== undefined && ref.size > limits.maxBytes) {
      throw new UserFacingError('image.too_many_bytes', { size: mb(ref.size), limit: mb(limits.maxBytes) });
    }
    let data: Buffer;
    try {
      data = await adapter.download(ref);
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      this.ctx.log.warn({ err: errorMessage(err), file: ref.id }, 'photo download failed');
      throw new UserFacingError('engine.download_failed', {}, { cause: err });
    }
    const info = await inspectImage(data, limits);
    const blob = await this.ctx.blobs.put(data, `image/${info.format}`);
    return { blob, width: info.width, height: info.height };
  }

  segment(blob: BlobRef, locale: Locale): Promise<Segmented> {
    const cached = this.maps.get(blob.id);
    if (cached) return Promise.resolve({ map: cached });
    const seg = this.ctx.deps.segmentation;
    if (!seg) return Promise.resolve({ error: t(locale, 'engine.failed_unknown') });
    // No model yet (downloading, missing…): nothing to try; the availability model says why, once.
    const parts = this.ctx.capabilities().parts;
    if (parts.state !== 'ready') return Promise.resolve({ error: explainParts(parts, locale, 'people').text, explained: true, unavailable: parts });
    let running = this.running.get(blob.id);
    if (!running) {
      running = (async (): Promise<Segmented> => {
        try {
          const image = await this.ctx.blobs.get(blob.id);
          const map = await timed('segmentation', () => seg.segment(image));
          this.maps.set(blob.id, map);
          return { map };
        } catch (err) {
          // A damaged photo is the user's to fix, not a missing model.
          if (err instanceof UserFacingError && err.key.startsWith('image.')) throw err;
          this.ctx.log.warn({ err: errorMessage(err) }, 'segmentation unavailable');
          // A segmenter message (model missing, bad model file) already says what still works and what to do.
          if (err instanceof UserFacingError && err.key.startsWith('segment.')) return { error: t(locale, err.key, err.params), explained: true };
          return { error: err instanceof UserFacingError ? t(locale, err.key, err.params) : t(locale, 'engine.failed_unknown') };
        } finally {
          this.running.delete(blob.id);
        }
      })();
      this.running.set(blob.id, running);
    }
    return running;
  }

  /** Labels a plan may use: those in the photo, or every label of the model when it could not be split. */
  labels(seg: Segmented): readonly string[] {
    if (seg.map) return presentLabels(seg.map);
    return this.ctx.deps.segmentation?.labels ?? [];
  }

  /** The photo with its parts coloured, when it fits the upload limit (nothing otherwise). */
  async overlay(blob: BlobRef, seg: Segmented, locale: Locale, limit: number): Promise<ReplyImage[]> {
    const render = this.ctx.deps.renderOverlay;
    if (!seg.map || !render) return [];
    try {
      const data = await render(await this.ctx.blobs.get(blob.id), seg.map, { locale, maxSide: 1024 });
      if (data.length > limit) return [];
      const jpeg = data[0] === 0xff && data[1] === 0xd8;
      return [{ data, filename: jpeg ? 'parts.jpg' : 'parts.png', mimeType: jpeg ? 'image/jpeg' : 'image/png', alt: t(locale, 'engine.alt_overlay') }];
    } catch (err) {
      this.ctx.log.warn({ err: errorMessage(err) }, 'overlay failed');
      return [];
    }
  }

  /** A stored revision as an attachment: as stored when it fits and is a web format, else re-encoded. */
  async attachment(rev: Revision, limit: number, alt: string): Promise<ReplyImage> {
    const data = await this.ctx.blobs.get(rev.blob.id);
    const mime = rev.blob.mimeType;
    if (data.length <= limit && (mime === 'image/png' || mime === 'image/jpeg' || mime === 'image/webp')) {
      return { data, mimeType: mime, filename: `photo.${mime === 'image/jpeg' ? 'jpg' : mime.split('/')[1]}`, alt, width: rev.width, height: rev.height };
    }
    const raw = await decodeImage(data, { channels: 4, limits: this.ctx.limits });
    const up = await this.ctx.deps.encodeForUpload(raw, limit);
    return { ...up, alt, width: rev.width, height: rev.height };
  }
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}
