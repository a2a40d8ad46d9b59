import path from 'node:path';
import Keyv from 'keyv';
import type { EnvSettings } from '../config/env.js';
import { deepMerge, loadConfig } from '../config/load.js';
import { EngineSchema, type EngineConfig } from '../config/schemas/engine.js';
import { UserFacingError } from '../util/errors.js';
import { getLogger, type Logger } from '../util/logger.js';
import { DEFAULT_LIMITS, type ImageLimits } from '../core/image-io.js';
import { FileBlobStore, type BlobStore } from './blobs.js';
import type { CommandCatalog, EngineDeps, Executor, OverlayRenderer, Planner, Segmentation, Suggester, UploadEncoder } from './deps.js';
import { Engine } from './engine.js';
import { StateStore, openStore } from './store.js';
import { openJobQueue, type JobQueue } from './queue/index.js';

export { Engine } from './engine.js';
export { TestAdapter } from './test-adapter.js';
export { StateStore, memoryStore, openStore } from './store.js';
export { FileBlobStore, MemoryBlobStore, type BlobStore, type BlobRef } from './blobs.js';
export { MemoryJobQueue, openJobQueue, JobHandedBack, type JobQueue, type QueuedJob, type JobRunner, type LaneDepth } from './queue/index.js';
export type * from './types.js';
export type * from './deps.js';

export interface CreateEngineOptions {
  env: EnvSettings;
  /** A Keyv (or a ready StateStore); default: SQLite under DATA_DIR, Redis when REDIS_URL is set. */
  store?: Keyv | StateStore;
  /** Where images go; default: DATA_DIR/images (files named by sha256). */
  blobs?: BlobStore;
  /** `null` runs without segmentation (whole-image commands only). */
  segmentation?: Segmentation | null;
  planner?: Planner;
  suggester?: Suggester | null;
  executor?: Executor;
  catalog?: CommandCatalog | null;
  encodeForUpload?: UploadEncoder;
  renderOverlay?: OverlayRenderer | null;
  /** Overrides over config/engine.yaml (deep-merged, then validated). */
  config?: Partial<EngineConfig> & Record<string, unknown>;
  imageLimits?: ImageLimits;
  /** Default: BullMQ on REDIS_URL when the store is on Redis too, else the in-process scheduler. */
  queue?: JobQueue;
  /** Default: the process logger (tests pass one writing to a stream). */
  logger?: Logger;
}

/**
 * Builds the engine. Whatever is not injected comes from the real modules, imported lazily so
 * the engine still loads (with a warning) when one of them is missing from this build.
 */
export async function createEngine(opts: CreateEngineOptions): Promise<Engine> {
  const log = (opts.logger ?? getLogger()).child({ module: 'engine' });
  const base = loadConfig({ sections: ['engine'] }).engine;
  const config = opts.config ? EngineSchema.parse(deepMerge(base, opts.config)) : base;
  const imageLimits = opts.imageLimits ?? readImageLimits();

  let store: StateStore;
  if (opts.store instanceof StateStore) store = opts.store;
  else if (opts.store) store = new StateStore(opts.store, storeKind(opts.store));
  else store = await openStore({ dataDir: opts.env.dataDir, redisUrl: opts.env.redisUrl, namespace: config.namespace, onUnavailable: config.storeUnavailable });

  const blobs = opts.blobs ?? new FileBlobStore(path.join(opts.env.dataDir, 'images'));
  const env = opts.env;

  const [segmentation, planner, suggester, executor, catalog, encodeForUpload, renderOverlay] = await Promise.all([
    opts.segmentation !== undefined ? opts.segmentation ?? undefined : defaultSegmentation(env),
    opts.planner ?? defaultPlanner(env),
    opts.suggester !== undefined ? opts.suggester ?? undefined : defaultSuggester(env),
    opts.executor ?? defaultExecutor(env),
    opts.catalog !== undefined ? opts.catalog ?? undefined : defaultCatalog(),
    opts.encodeForUpload ?? (lazy<{ encodeForUpload: UploadEncoder }>('../pipeline/image/encode.js').then((m) => m?.encodeForUpload)),
    opts.renderOverlay !== undefined
      ? opts.renderOverlay ?? undefined
      : lazy<{ createOverlayRenderer(c: { labels: unknown }): OverlayRenderer }>('../pipeline/overlay.js').then((m) => m?.createOverlayRenderer({ labels: loadConfig({ sections: ['labels'] }).labels })),
  ]);
  const deps: EngineDeps = { segmentation, planner, suggester, executor, catalog, encodeForUpload, renderOverlay };
  const queue = opts.queue ?? (await openJobQueue({ config, redisUrl: env.redisUrl, storeKind: store.kind, log }));
  log.info({ store: store.kind, queue: queue.kind, segmentation: Boolean(segmentation), suggester: Boolean(suggester), catalog: Boolean(catalog) }, 'engine ready');
  // Only what the engine created itself is closed with it (the default segmenter runs a worker thread).
  const owned = opts.segmentation === undefined ? (segmentation as { segmenter?: { close?(): Promise<void> } } | undefined) : undefined;
  const engine = new Engine({ config, store, blobs, deps, imageLimits, queue, logger: opts.logger, onClose: async () => void (await owned?.segmenter?.close?.()) });
  await engine.start();
  return engine;
}

function storeKind(keyv: Keyv): StateStore['kind'] {
  const adapter = keyv.store as { opts?: { dialect?: string }; getClient?: unknown };
  if (adapter instanceof Map) return 'memory';
  if (adapter?.opts?.dialect === 'sqlite') return 'sqlite';
  if (typeof adapter?.getClient === 'function') return 'redis';
  return 'custom';
}

function readImageLimits(): ImageLimits {
  try {
    const { images } = loadConfig({ sections: ['images'] });
    return { maxPixels: images.maxPixels, maxBytes: images.maxBytes };
  } catch {
    return DEFAULT_LIMITS;
  }
}

/** Imports a sibling module by relative path; undefined (logged) when it is missing or broken. */
async function lazy<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    getLogger().warn({ module: specifier, err: err instanceof Error ? err.message : String(err) }, 'engine dependency not available');
    return undefined;
  }
}

async function defaultSegmentation(env: EnvSettings): Promise<Segmentation | undefined> {
  const m = await lazy<{ createSegmenter(o: { env: EnvSettings; models: unknown; limits: ImageLimits }): unknown; SegmentationService: new (s: unknown) => Segmentation }>('../providers/segment/index.js');
  if (!m?.createSegmenter || !m.SegmentationService) return undefined;
  try {
    return new m.SegmentationService(m.createSegmenter({ env, models: loadConfig({ sections: ['models'] }).models, limits: readImageLimits() }));
  } catch (err) {
    getLogger().warn({ err }, 'segmentation could not start; part edits are unavailable');
    return undefined;
  }
}

/** What createPlanner/createSuggester take besides env: the command language and the llm/prompts sections. */
async function planningSections(): Promise<Record<'language' | 'llm' | 'prompts', unknown> | undefined> {
  const m = await lazy<{ CommandLanguage: { fromConfig(cfg: unknown): unknown } }>('../pipeline/commands/index.js');
  if (!m?.CommandLanguage) return undefined;
  const config = loadConfig({ sections: ['commands', 'labels', 'llm', 'prompts'] });
  return { language: m.CommandLanguage.fromConfig(config), llm: config.llm, prompts: config.prompts };
}

async function defaultPlanner(env: EnvSettings): Promise<Planner> {
  const m = await lazy<{ createPlanner(o: { env: EnvSettings }): Planner }>('../pipeline/plan/index.js');
  const sections = m?.createPlanner ? await planningSections() : undefined;
  if (m?.createPlanner && sections) return m.createPlanner({ env, ...sections });
  // Without a planner nothing can be understood: every instruction gets the clarifying question.
  return { name: 'none', plan: async () => ({ commands: [], rejected: [], planner: 'none' }) };
}

async function defaultSuggester(env: EnvSettings): Promise<Suggester | undefined> {
  const m = await lazy<{ createSuggester(o: { env: EnvSettings }): Suggester }>('../pipeline/plan/index.js');
  const sections = m?.createSuggester ? await planningSections() : undefined;
  return m?.createSuggester && sections ? m.createSuggester({ env, ...sections }) : undefined;
}

async function defaultExecutor(env: EnvSettings): Promise<Executor> {
  const m = await lazy<{ createExecutor(o: { env: EnvSettings; config: unknown }): Executor }>('../pipeline/execute/index.js');
  if (m?.createExecutor) return m.createExecutor({ env, config: loadConfig({ sections: ['commands', 'templates', 'backends', 'params', 'masks'] }) });
  return {
    needsSegmentation: () => false,
    execute: async () => {
      throw new UserFacingError('common.not_available', { feature: 'execute' });
    },
  };
}

async function defaultCatalog(): Promise<CommandCatalog | undefined> {
  const m = await lazy<{ CommandLanguage: { fromConfig(cfg: unknown): CommandCatalog } }>('../pipeline/commands/index.js');
  try {
    return m?.CommandLanguage?.fromConfig(loadConfig({ sections: ['commands', 'labels'] }));
  } catch (err) {
    getLogger().warn({ err }, 'command language could not load');
    return undefined;
  }
}
