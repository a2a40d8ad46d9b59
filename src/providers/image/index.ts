import type { EnvSettings } from '../../config/env.js';
import type { BackendsConfig } from '../../config/schemas/backends.js';
import { OpenAiImagesBackend } from './openai-images.js';
import { SdWebuiBackend } from './sdwebui.js';
import type { ImageBackend } from './types.js';

export type { ImageBackend, GenerateRequest } from './types.js';
export { SdWebuiBackend, type Lora } from './sdwebui.js';
export { OpenAiImagesBackend } from './openai-images.js';
export { BackendChain, type ChainAttempt } from './chain.js';
export { LocalOperations, LOCAL_OPERATIONS, type LocalOperation } from './local.js';
export { canFallBack } from './errors.js';

/** The generative backends in the configured chain order (configured or not: health reports "off"). */
export function createImageBackends(env: EnvSettings, cfg: BackendsConfig): ImageBackend[] {
  const make: Record<BackendsConfig['chain'][number], () => ImageBackend> = {
    'sd-webui': () => new SdWebuiBackend(env.sdWebuiUrl, cfg.sdWebui),
    openai: () => new OpenAiImagesBackend(env, cfg.openai),
  };
  return [...new Set(cfg.chain)].map((name) => make[name]());
}
