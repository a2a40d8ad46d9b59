import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EnvSettings } from '../../config/env.js';
import type { InpaintCard, InpaintModelsConfig } from '../../config/schemas/inpaint.js';
import { managedModelPath } from '../segment/cards.js';

export type { InpaintCard, InpaintModelsConfig };

export function inpaintCard(name: string, cfg: InpaintModelsConfig): InpaintCard | undefined {
  return Object.prototype.hasOwnProperty.call(cfg.cards, name) ? cfg.cards[name] : undefined;
}

/** The file the runner loads: the card's `path`, else the managed copy in DATA_DIR/models. */
export function resolveInpaintFile(card: InpaintCard, env: Pick<EnvSettings, 'dataDir'>): { file: string; managed: boolean } {
  if (card.path) return { file: path.resolve(card.path), managed: false };
  return { file: managedModelPath(card, env), managed: true };
}

export function inpaintFilePresent(card: InpaintCard, env: Pick<EnvSettings, 'dataDir'>): boolean {
  return existsSync(resolveInpaintFile(card, env).file);
}
