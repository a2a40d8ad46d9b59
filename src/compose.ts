import type { EnvSettings } from './config/env.js';
import type { EngineDeps } from './engine/index.js';
import { CommandLanguage } from './pipeline/commands/index.js';
import { createExecutor } from './pipeline/execute/index.js';
import { renderOverlay } from './pipeline/overlay.js';
import { createPlanner, createSuggester } from './providers/llm/index.js';
import { SegmentationService, createSegmenter } from './providers/segment/index.js';
import type { Logger } from './util/logger.js';

/**
 * The composition root of the engine's dependencies: the real pipeline and providers, built from
 * the environment. `close` releases what they hold open (the segmenter's worker thread).
 */
export function composeEngineDeps(env: EnvSettings, logger: Logger): { deps: Omit<EngineDeps, 'encodeForUpload'>; close(): Promise<void> } {
  let segmenter: ReturnType<typeof createSegmenter> | undefined;
  try {
    segmenter = createSegmenter({ env });
  } catch (err) {
    logger.warn({ err }, 'segmentation could not start; part edits are unavailable');
  }
  const catalog = CommandLanguage.load();
  return {
    deps: {
      segmentation: segmenter ? new SegmentationService(segmenter) : undefined,
      planner: createPlanner({ env, language: catalog }),
      suggester: createSuggester({ env, language: catalog }),
      executor: createExecutor({ env }),
      catalog,
      renderOverlay,
    },
    close: async () => void (await segmenter?.close?.()),
  };
}
