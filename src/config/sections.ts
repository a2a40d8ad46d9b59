import { CommandsSchema } from './schemas/commands.js';
import { LabelsSchema } from './schemas/labels.js';
import { ImagesSchema } from './schemas/images.js';
import { ModelsSchema } from './schemas/models.js';
import { MasksSchema } from './schemas/masks.js';
import { TemplatesSchema } from './schemas/templates.js';
import { ParamsSchema } from './schemas/params.js';
import { PromptsSchema } from './schemas/prompts.js';
import { LlmSchema } from './schemas/llm.js';
import { BackendsSchema } from './schemas/backends.js';
import { EngineSchema } from './schemas/engine.js';
import { BotsSchema } from './schemas/bots.js';
import { VocabularySchema } from './schemas/vocabulary.js';
import { SafetySchema } from './schemas/safety.js';

/** Each section is one file `config/<name>.yaml`, validated by its schema. */
export const SECTION_SCHEMAS = {
  commands: CommandsSchema,
  labels: LabelsSchema,
  images: ImagesSchema,
  models: ModelsSchema,
  masks: MasksSchema,
  templates: TemplatesSchema,
  params: ParamsSchema,
  prompts: PromptsSchema,
  llm: LlmSchema,
  backends: BackendsSchema,
  engine: EngineSchema,
  bots: BotsSchema,
  vocabulary: VocabularySchema,
  safety: SafetySchema,
} as const;
