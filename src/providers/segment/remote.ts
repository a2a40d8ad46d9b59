import type { LabelMap } from '../../core/types.js';
import { decodeLabelMap } from '../../core/labelmap-png.js';
import { DEFAULT_LIMITS, inspectImage, type ImageLimits } from '../../core/image-io.js';
import { UserFacingError } from '../../util/errors.js';
import type { HealthStatus } from '../../core/health.js';
import type { Segmenter } from './types.js';

/**
 * The thesis' hosted-segmentation fallback: POST the photo bytes to an HTTP endpoint, get back an
 * 8-bit label map PNG in our label order, or JSON {"labels":[...],"labelmap":"<base64 PNG>"}
 * whose labels are mapped onto ours by name. The map must have the upright photo's size.
 */
export class RemoteSegmenter implements Segmenter {
  readonly name = 'remote';
  constructor(
    private readonly url: string,
    readonly labels: readonly string[],
    private readonly opts: { timeoutMs: number; limits?: ImageLimits } = { timeoutMs: 30_000 },
  ) {}

  async segment(image: Buffer, signal?: AbortSignal): Promise<LabelMap> {
    const info = await inspectImage(image, this.opts.limits ?? DEFAULT_LIMITS);
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': `image/${info.format}`, accept: 'image/png, application/json' },
        body: new Uint8Array(image),
        signal: combined,
      });
    } catch (err) {
      signal?.throwIfAborted();
      throw new UserFacingError('segment.remote_failed', { detail: describe(err) }, { cause: err });
    }
    if (!res.ok) throw new UserFacingError('segment.remote_failed', { detail: `HTTP ${res.status}` });
    const type = res.headers.get('content-type') ?? '';
    let map: LabelMap;
    if (type.includes('json')) {
      const body = (await res.json().catch(() => null)) as { labels?: unknown; labelmap?: unknown } | null;
      if (!body || !Array.isArray(body.labels) || typeof body.labelmap !== 'string') {
        throw new UserFacingError('segment.remote_failed', { detail: 'JSON without labels/labelmap' });
      }
      const theirs = body.labels.map(String);
      const raw = await decodeLabelMap(Buffer.from(body.labelmap, 'base64'), theirs);
      const lut = new Uint8Array(256);
      theirs.forEach((name, i) => (lut[i] = Math.max(0, this.labels.indexOf(name))));
      for (let i = 0; i < raw.data.length; i++) raw.data[i] = lut[raw.data[i]!]!;
      map = { ...raw, labels: this.labels };
    } else {
      map = await decodeLabelMap(Buffer.from(await res.arrayBuffer()), this.labels);
    }
    if (map.width !== info.width || map.height !== info.height) {
      throw new UserFacingError('segment.remote_failed', { detail: `label map ${map.width}×${map.height}, photo ${info.width}×${info.height}` });
    }
    return map;
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    const t0 = performance.now();
    try {
      const res = await fetch(this.url, { method: 'HEAD', signal: signal ?? AbortSignal.timeout(5000) });
      const latencyMs = Math.round(performance.now() - t0);
      // Any HTTP answer (even 405 to HEAD) proves the service is there.
      return res.status >= 500
        ? { name: 'segmenter:remote', state: 'down', detail: `HTTP ${res.status}`, latencyMs }
        : { name: 'segmenter:remote', state: 'ok', detail: 'remote segmentation endpoint answers', latencyMs };
    } catch (err) {
      return { name: 'segmenter:remote', state: 'down', detail: describe(err) };
    }
  }

  async close(): Promise<void> {}
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } })?.cause;
  if (cause?.code) return cause.code;
  return (err instanceof Error ? err.message : String(err)).slice(0, 120);
}
