import type { EnvSettings } from './config/env.js';
import type { AppConfig } from './config/load.js';
import type { EngineDeps } from './engine/index.js';
import { CommandLanguage } from './pipeline/commands/index.js';
import { createExecutor } from './pipeline/execute/index.js';
import { createOverlayRenderer } from './pipeline/overlay.js';
import { createPlanner, createSuggester } from './pipeline/plan/index.js';
import { createImageBackends } from './providers/image/index.js';
import { createInpaintBackend } from './providers/inpaint/index.js';
import { SegmentationService, createSegmenter, readPartsState, type ModelDownloads } from './providers/segment/index.js';
import type { AvailabilitySource, Capabilities } from './core/availability.js';
import type { Logger } from './util/logger.js';

/**
 * What can run now (src/core/availability.ts), read by the engine, the playground, `doctor` and
 * `serve`'s progress line: the parts model's state from the files and the downloads, and whether
 * an image generator is configured.
 */
export function composeAvailability(env: EnvSettings, config: Pick<AppConfig, 'models' | 'backends'>, downloads?: ModelDownloads): AvailabilitySource & { current(): Capabilities } {
  const generator = createImageBackends(env, config.backends).some((b) => b.configured());
  // The embedded inpainting model erases without a generator when its file is there or may be fetched on first use.
  const inpaint = Boolean(createInpaintBackend(env, config.models.inpaint)?.configured());
  const current = (): Capabilities => ({ parts: readPartsState(env, config.models, downloads), generator, inpaint });
  return {
    current,
    subscribe: (listener) => downloads?.subscribe(() => listener(current())) ?? (() => undefined),
  };
}

/**
 * The composition root of the engine's dependencies: the real pipeline and providers, built from
 * the environment and the loaded config. `close` releases what they hold open (the segmenter's
 * worker thread).
 */
export function composeEngineDeps(
  env: EnvSettings,
  config: AppConfig,
  logger: Logger,
  opts: { downloads?: ModelDownloads; availability?: AvailabilitySource } = {},
): { deps: Omit<EngineDeps, 'encodeForUpload'>; close(): Promise<void> } {
  const limits = { maxPixels: config.images.maxPixels, maxBytes: config.images.maxBytes };
  let segmenter: ReturnType<typeof createSegmenter> | undefined;
  try {
    segmenter = createSegmenter({ env, models: config.models, limits, downloads: opts.downloads });
  } catch (err) {
    logger.warn({ err }, 'segmentation could not start; part edits are unavailable');
  }
  const language = CommandLanguage.fromConfig(config);
  const planning = { env, language, llm: config.llm, prompts: config.prompts, vocabulary: config.vocabulary };
  return {
    deps: {
      segmentation: segmenter ? new SegmentationService(segmenter) : undefined,
      planner: createPlanner(planning),
      suggester: createSuggester(planning),
      executor: createExecutor({ env, config, limits }),
      catalog: language,
      renderOverlay: createOverlayRenderer({ labels: config.labels, limits }),
      // The app passes its own (with its downloads); otherwise what the files say.
      availability: opts.availability ?? composeAvailability(env, config, opts.downloads),
    },
    close: async () => void (await segmenter?.close?.()),
  };
}
