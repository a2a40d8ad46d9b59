import type { CommandLanguage, WireCommand } from '../commands/index.js';
import type { ParamRule } from '../../config/schemas/commands.js';
import { WHOLE_IMAGE } from '../commands/index.js';

type JsonSchema = Record<string, unknown>;

function nullable(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, { type: 'null' }] };
}

function paramSchema(rule: ParamRule, labels: readonly string[]): JsonSchema {
  switch (rule.type) {
    case 'labels':
      return { type: 'array', items: { type: 'string', enum: [...new Set([...labels, WHOLE_IMAGE])] } };
    case 'string':
    case 'color':
      return { type: 'string' };
    case 'number':
      return { type: rule.integer ? 'integer' : 'number' };
    case 'enum':
      return { type: 'string', enum: rule.values };
    case 'boolean':
      return { type: 'boolean' };
  }
}

/**
 * The object form of the command language for strict structured output: strict mode needs an
 * object at the root, every property required and no tuples, so each command is an object
 * with every parameter name of every command, null where it does not apply. The label enum
 * holds the photo's labels, so a conforming reply cannot name a part the photo lacks.
 */
export function commandsJsonSchema(language: CommandLanguage, labels: readonly string[]): JsonSchema {
  const props: Record<string, JsonSchema> = { command: { type: 'string', enum: language.commandNames() } };
  for (const name of language.commandNames()) {
    for (const p of language.rule(name)?.paras ?? []) {
      if (!(p.name in props)) props[p.name] = nullable(paramSchema(p, labels));
    }
  }
  return {
    type: 'object',
    additionalProperties: false,
    required: ['commands'],
    properties: {
      commands: {
        type: 'array',
        items: { type: 'object', additionalProperties: false, required: Object.keys(props), properties: props },
      },
    },
  };
}

/** The schema a structured-output request carries (strict mode is the client's business). */
export function structuredOutputSchema(language: CommandLanguage, labels: readonly string[]): { name: string; schema: JsonSchema } {
  return { name: 'edit_commands', schema: commandsJsonSchema(language, labels) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One object-form command → the wire format, in the rule's parameter order. Trailing
 * parameters that are null are left out (optional ones then take their defaults); anything
 * else is passed on as is, so validation — not this mapping — decides what is acceptable.
 */
export function objectToWire(item: unknown, language: CommandLanguage): unknown {
  if (!isRecord(item) || typeof item.command !== 'string' || 'paras' in item || 'params' in item) return item;
  const rule = language.rule(item.command);
  if (!rule) return item;
  const paras = rule.paras.map((p) => (Object.prototype.hasOwnProperty.call(item, p.name) ? item[p.name] : null));
  while (paras.length > 0 && (paras[paras.length - 1] === null || paras[paras.length - 1] === undefined)) paras.pop();
  const wire: WireCommand = { command: item.command, paras: paras.map((v, i) => (v === null && rule.paras[i]!.optional ? defaultOf(rule.paras[i]!) : v)) };
  return wire;
}

function defaultOf(rule: ParamRule): unknown {
  return 'default' in rule && rule.default !== undefined ? rule.default : null;
}

/** Items of a structured reply `{"commands": [...]}`; undefined when the text is not that shape. */
export function structuredItems(text: string, language: CommandLanguage): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.commands)) return undefined;
  return parsed.commands.map((c) => objectToWire(c, language));
}
