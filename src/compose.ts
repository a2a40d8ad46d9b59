import type { EnvSettings } from './config/env.js';
import type { AppConfig } from './config/load.js';
import type { EngineDeps, TrustDeps } from './engine/index.js';
import { CommandLanguage } from './pipeline/commands/index.js';
import { createExecutor } from './pipeline/execute/index.js';
import { createOverlayRenderer } from './pipeline/overlay.js';
import { createPlanner, createSuggester } from './pipeline/plan/index.js';
import { createImageBackends } from './providers/image/index.js';
import { createInpaintBackend } from './providers/inpaint/index.js';
import { SegmentationService, createSegmenter, readPartsState, type ModelDownloads } from './providers/segment/index.js';
import type { AvailabilitySource, Capabilities } from './core/availability.js';
import { closeCheckPool, createResultChecker, planRetry } from './pipeline/check/index.js';
import { createContentGate, faceSwapCommands, PolicyBook } from './pipeline/safety/index.js';
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
  const trust = composeTrust(env, config, logger, limits);
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
      trust: trust.deps,
    },
    close: async () => {
      await segmenter?.close?.();
      await trust.close();
    },
  };
}

/**
 * Trust and safety (README "Safety"): policies per workspace, the content gate (moderation when a
 * key is set, else the local NSFW classifier when configured), the result check (vision model when
 * VISION_MODEL is set) and the targeted retry plan. Start-up says what cannot be checked.
 */
export function composeTrust(env: EnvSettings, config: AppConfig, logger: Logger, limits?: { maxPixels: number; maxBytes: number }): { deps: TrustDeps; close(): Promise<void> } {
  const safety = config.safety;
  const log = logger.child({ module: 'safety' });
  const content = createContentGate(env, safety, log);
  const checker = createResultChecker({ env, llm: config.llm, safety, limits, logger: logger.child({ module: 'check' }) });
  const levels = new Set([safety.level, ...Object.values(safety.workspaces).flatMap((table) => Object.values(table).map((w) => w.level ?? safety.level))]);
  if (content.gate.imageChecker === 'none' && [...levels].some((l) => l !== 'off')) {
    log.warn({ strict: levels.has('strict') }, 'result images are not checked for content: set OPENAI_API_KEY (moderation) or safety.nsfw.model (local classifier); strict workspaces refuse results until one is set');
  }
  const wantsVision = safety.check.mode === 'vision' || Object.values(safety.workspaces).some((table) => Object.values(table).some((w) => w.check?.mode === 'vision'));
  if (wantsVision && !checker.visionModel) log.warn('a result check in vision mode is configured but VISION_MODEL is not set: the result check is local only');
  // The local classifier downloads in the background so the first result does not wait for it.
  content.classifier
    ?.ensure()
    .then((file) => log.info({ model: content.classifier!.name, file }, 'NSFW classifier ready'))
    .catch((err: unknown) => log.warn({ model: content.classifier!.name, err: (err as Error).message }, 'NSFW classifier unavailable: result images fail closed until it is'));
  const deps: TrustDeps = {
    policies: new PolicyBook(safety),
    gate: content.gate,
    checker,
    faceSwapCommands: faceSwapCommands(config.commands, config.templates),
    planRetry: (command, settings) => {
      const rule = Object.prototype.hasOwnProperty.call(config.commands.commands, command.command) ? config.commands.commands[command.command] : undefined;
      const template = rule?.template ? config.templates.templates[rule.template] : undefined;
      return planRetry(command, { rule, template, defaults: config.templates.defaults, settings, retry: safety.check.retry });
    },
  };
  return {
    deps,
    close: async () => {
      await content.close();
      await closeCheckPool();
    },
  };
}
