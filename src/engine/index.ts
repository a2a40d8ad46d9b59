import path from 'node:path';
import Keyv from 'keyv';
import { EngineSchema, type EngineConfig } from '../config/schemas/engine.js';
import { encodeForUpload } from '../pipeline/image/encode.js';
import { countLabelsOffThread } from '../pipeline/labelmap.js';
import { DEFAULT_LIMITS, type ImageLimits } from '../core/image-io.js';
import { getLogger, type Logger } from '../util/logger.js';
import type { EngineDeps, Segmentation } from './deps.js';
import { Engine } from './engine.js';
import { openJobQueue, type JobQueue } from './jobs/queue/index.js';
import { FileBlobStore, type BlobStore } from './state/blobs.js';
import { StateStore, openStore } from './state/store.js';

export { Engine } from './engine.js';
export { StateStore, memoryStore, openStore } from './state/store.js';
export { FileBlobStore, MemoryBlobStore, type BlobStore, type BlobRef } from './state/blobs.js';
export { MemoryJobQueue, openJobQueue, JobHandedBack, type JobQueue, type QueuedJob, type JobRunner, type LaneDepth } from './jobs/queue/index.js';
export type * from './types.js';
export { eventOf, ReplyExpiredError } from './types.js';
export type * from './deps.js';

export interface CreateEngineOptions {
  /** Where state and photos live by default, and the Redis that shares them. */
  env: { dataDir: string; redisUrl?: string };
  /** The `engine` config section, or overrides of its defaults (validated here). */
  config?: Partial<EngineConfig> & Record<string, unknown>;
  /** The pipeline and providers behind the engine (the composition root builds them). */
  deps: Omit<EngineDeps, 'encodeForUpload'> & Partial<Pick<EngineDeps, 'encodeForUpload'>>;
  imageLimits?: ImageLimits;
  /** A Keyv (or a ready StateStore); default: SQLite under dataDir, Redis when redisUrl is set. */
  store?: Keyv | StateStore;
  /** Where images go; default: dataDir/images (files named by sha256). */
  blobs?: BlobStore;
  /** Default: BullMQ on redisUrl when the store is on Redis too, else the in-process scheduler. */
  queue?: JobQueue;
  /** Default: the process logger. */
  logger?: Logger;
  /** Releases what the caller opened for the engine, after the store closes. */
  onClose?: () => Promise<void>;
}

/** Builds and starts the engine over the given dependencies. */
export async function createEngine(opts: CreateEngineOptions): Promise<Engine> {
  const logger = opts.logger ?? getLogger();
  const log = logger.child({ module: 'engine' });
  const config = EngineSchema.parse(opts.config ?? {});

  let store: StateStore;
  if (opts.store instanceof StateStore) store = opts.store;
  else if (opts.store) store = new StateStore(opts.store, storeKind(opts.store));
  else store = await openStore({ dataDir: opts.env.dataDir, redisUrl: opts.env.redisUrl, namespace: config.namespace, onUnavailable: config.storeUnavailable });

  const blobs = opts.blobs ?? new FileBlobStore(path.join(opts.env.dataDir, 'images'));
  const deps: EngineDeps = { encodeForUpload, ...opts.deps };
  if (deps.segmentation) deps.segmentation = countedOffThread(deps.segmentation);
  const queue = opts.queue ?? (await openJobQueue({ config, redisUrl: opts.env.redisUrl, storeKind: store.kind, log }));
  log.info({ store: store.kind, queue: queue.kind, segmentation: Boolean(deps.segmentation), suggester: Boolean(deps.suggester), catalog: Boolean(deps.catalog) }, 'engine ready');
  const engine = new Engine({ config, store, blobs, deps, imageLimits: opts.imageLimits ?? DEFAULT_LIMITS, queue, logger, onClose: opts.onClose });
  await engine.start();
  return engine;
}

/**
 * The segmenter, with each new label map's parts counted in the pixel worker pool before the
 * engine reads them (parts lists, overlays, plans): a 49 MP map is 49 million pixels to count.
 */
function countedOffThread(seg: Segmentation): Segmentation {
  const segment: Segmentation['segment'] = async (...args) => {
    const map = await seg.segment(...args);
    await countLabelsOffThread(map);
    return map;
  };
  return new Proxy(seg, {
    get(target, prop) {
      if (prop === 'segment') return segment;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function storeKind(keyv: Keyv): StateStore['kind'] {
  const adapter = keyv.store as { opts?: { dialect?: string }; getClient?: unknown };
  if (adapter instanceof Map) return 'memory';
  if (adapter?.opts?.dialect === 'sqlite') return 'sqlite';
  if (typeof adapter?.getClient === 'function') return 'redis';
  return 'custom';
}
