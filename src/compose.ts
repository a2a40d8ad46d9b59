import type { EnvSettings } from './config/env.js';
import type { AppConfig } from './config/load.js';
import type { EngineDeps } from './engine/index.js';
import { CommandLanguage } from './pipeline/commands/index.js';
import { createExecutor } from './pipeline/execute/index.js';
import { createOverlayRenderer } from './pipeline/overlay.js';
import { createPlanner, createSuggester } from './pipeline/plan/index.js';
import { SegmentationService, createSegmenter } from './providers/segment/index.js';
import type { Logger } from './util/logger.js';

/**
 * The composition root of the engine's dependencies: the real pipeline and providers, built from
 * the environment and the loaded config. `close` releases what they hold open (the segmenter's
 * worker thread).
 */
export function composeEngineDeps(env: EnvSettings, config: AppConfig, logger: Logger): { deps: Omit<EngineDeps, 'encodeForUpload'>; close(): Promise<void> } {
  const limits = { maxPixels: config.images.maxPixels, maxBytes: config.images.maxBytes };
  let segmenter: ReturnType<typeof createSegmenter> | undefined;
  try {
    segmenter = createSegmenter({ env, models: config.models, limits });
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
    },
    close: async () => void (await segmenter?.close?.()),
  };
}
