import { t, type Locale, type MessageKey } from '../../../i18n/index.js';
import type { CommandLanguage, WireCommand } from '../../commands/index.js';
import type { HealthStatus } from '../../../core/health.js';
import type { Suggester, SuggestRequest, Suggestion } from '../types.js';

interface Idea {
  needs: string[];
  wire: (labels: readonly string[]) => WireCommand;
  sentence: MessageKey;
}

/** Ordered by how often they help a portrait; each needs some parts to be present. */
const IDEAS: Idea[] = [
  { needs: ['Background'], wire: () => ({ command: 'blur', paras: [['Background'], 30] }), sentence: 'plan.suggest_blur_background' },
  { needs: [], wire: () => ({ command: 'adjust', paras: [['*'], 15, 0, 0] }), sentence: 'plan.suggest_brighten' },
  { needs: ['Background'], wire: () => ({ command: 'change', paras: [['Background'], 'sunny beach, blue sky'] }), sentence: 'plan.suggest_change_background' },
  { needs: ['Face'], wire: () => ({ command: 'face', paras: ['natural smile'] }), sentence: 'plan.suggest_smile' },
  { needs: [], wire: () => ({ command: 'adjust', paras: [['*'], 0, 15, 15] }), sentence: 'plan.suggest_contrast' },
  { needs: ['Background'], wire: () => ({ command: 'grayscale', paras: [['Background']] }), sentence: 'plan.suggest_grayscale_background' },
  { needs: [], wire: () => ({ command: 'beauty', paras: [] }), sentence: 'plan.suggest_beauty' },
];

/**
 * Suggestions from the labels alone, so "Suggest edits" works without any model. Without an
 * image generator (`generator: false`) only edits that run locally are suggested.
 */
export function heuristicSuggestions(labels: readonly string[], locale: Locale, language: CommandLanguage, max = 4, generator = true): Suggestion[] {
  const out: Suggestion[] = [];
  for (const idea of IDEAS) {
    if (out.length >= max) break;
    if (!idea.needs.every((n) => labels.includes(n))) continue;
    const { commands } = language.validate([idea.wire(labels)], { labels });
    const command = commands[0];
    if (!command || (!generator && language.rule(command.command)?.executor === 'generative')) continue;
    out.push({ command, sentence: t(locale, idea.sentence) });
  }
  return out;
}

export class HeuristicSuggester implements Suggester {
  constructor(
    private readonly language: CommandLanguage,
    private readonly max = 4,
  ) {}

  async health(): Promise<HealthStatus> {
    return { name: 'vision:heuristic', state: 'off', detail: t('en', 'plan.vision_off') };
  }

  async suggest(req: SuggestRequest): Promise<Suggestion[]> {
    return heuristicSuggestions(req.labels, req.locale, this.language, this.max, req.generator ?? true);
  }
}
