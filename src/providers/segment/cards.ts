import path from 'node:path';
import type { EnvSettings } from '../../config/env.js';
import type { ModelCard, ModelsConfig } from '../../config/schemas/models.js';
import { UserFacingError } from '../../util/errors.js';

export type { ModelCard };

/** The active card name: SEGMENT_MODEL (from `env`, else the process environment), else config `models.default`. */
export function activeCardName(env: Pick<EnvSettings, 'segment'> | undefined, cfg: ModelsConfig): string {
  const fromEnv = env ? env.segment?.model : process.env.SEGMENT_MODEL?.trim() || undefined;
  return fromEnv ?? cfg.default;
}

export function getCard(name: string, cfg: ModelsConfig): ModelCard {
  const card = Object.prototype.hasOwnProperty.call(cfg.cards, name) ? cfg.cards[name] : undefined;
  if (!card) throw new UserFacingError('segment.model_unknown', { model: name, known: Object.keys(cfg.cards).join(', ') });
  return card;
}

export function modelsDir(env: Pick<EnvSettings, 'dataDir'>): string {
  return path.join(env.dataDir, 'models');
}

/** Where the managed (downloaded) copy of a card lives. */
export function managedModelPath(card: Pick<ModelCard, 'file'>, env: Pick<EnvSettings, 'dataDir'>): string {
  return path.join(modelsDir(env), card.file);
}

/**
 * The file the runner loads: SEGMENT_MODEL_PATH for the active card, else the card's `path`, else
 * the managed copy. `managed` tells whether the file is ours to hash-check against the card.
 */
export function resolveModelFile(
  name: string,
  card: ModelCard,
  env: Pick<EnvSettings, 'dataDir' | 'segment'>,
  cfg: ModelsConfig,
): { file: string; managed: boolean } {
  const override = env.segment?.modelPath;
  if (override && name === activeCardName(env, cfg)) return { file: path.resolve(override), managed: false };
  if (card.path) return { file: path.resolve(card.path), managed: false };
  return { file: managedModelPath(card, env), managed: true };
}

/** Label list of the active model card (default: segformer_b2_clothes / ATR order). */
export function activeLabels(env: Pick<EnvSettings, 'segment'> | undefined, cfg: ModelsConfig): readonly string[] {
  return getCard(activeCardName(env, cfg), cfg).labels;
}
