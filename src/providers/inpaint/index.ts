import type { EnvSettings } from '../../config/env.js';
import { getLogger } from '../../util/logger.js';
import { InpaintBackend } from './backend.js';
import { inpaintCard, type InpaintModelsConfig } from './cards.js';
import { InpaintModel } from './model.js';

export { InpaintBackend } from './backend.js';
export { InpaintModel, type InpaintModelOptions } from './model.js';
export { inpaintCard, inpaintFilePresent, resolveInpaintFile, type InpaintCard, type InpaintModelsConfig } from './cards.js';
export { toInputs, fromOutput, workingSize } from './tensor.js';

/** The configured embedded inpainting model as a backend, or undefined when turned off (`inpaint.default: null`). */
export function createInpaintBackend(env: Pick<EnvSettings, 'dataDir'>, cfg: InpaintModelsConfig): InpaintBackend | undefined {
  try {
    if (!cfg.default) return undefined;
    const card = inpaintCard(cfg.default, cfg);
    if (!card) return undefined;
    return new InpaintBackend(new InpaintModel({ name: cfg.default, card, env, threads: cfg.threads, downloadOnFirstUse: cfg.download === 'on-first-use' }));
  } catch (err) {
    getLogger().warn({ error: err instanceof Error ? err.message : String(err) }, 'inpainting model card unreadable; erase uses the generators only');
    return undefined;
  }
}
