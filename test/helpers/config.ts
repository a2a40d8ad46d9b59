import { loadConfig } from '../../src/config/load.js';
import type { VocabularyConfig } from '../../src/config/schemas/vocabulary.js';
import { CommandLanguage, type LanguageOptions } from '../../src/pipeline/commands/index.js';

/**
 * The command language from the shipped config (plus CONFIG_FILE overrides), built the way a
 * composition root builds it: modules take their configuration sections, they never load them.
 */
export function testLanguage(options?: LanguageOptions): CommandLanguage {
  return CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }), options);
}

/** The offline interpreter's vocabulary section from the shipped config (plus CONFIG_FILE overrides). */
export function testVocabulary(): VocabularyConfig {
  return loadConfig({ sections: ['vocabulary'] }).vocabulary;
}
