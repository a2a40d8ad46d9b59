import { z } from 'zod';

const localized = z.strictObject({ en: z.string().min(1), 'zh-CN': z.string().min(1) });

/** One positional parameter of a command in the wire format `{"command", "paras": [...]}`. */
export const ParamRuleSchema = z.discriminatedUnion('type', [
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('labels'),
    optional: z.boolean().default(false),
    /** Whether "*" (the whole image) is accepted. */
    allowAll: z.boolean().default(false),
    minItems: z.number().int().min(0).default(1),
    maxItems: z.number().int().min(1).default(18),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('string'),
    optional: z.boolean().default(false),
    default: z.string().optional(),
    minLength: z.number().int().min(0).default(1),
    maxLength: z.number().int().min(1).default(1000),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('number'),
    optional: z.boolean().default(false),
    default: z.number().optional(),
    integer: z.boolean().default(false),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('enum'),
    optional: z.boolean().default(false),
    default: z.string().optional(),
    values: z.array(z.string().min(1)).min(1),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('color'),
    optional: z.boolean().default(false),
    default: z.string().optional(),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('boolean'),
    optional: z.boolean().default(false),
    default: z.boolean().optional(),
  }),
]);
export type ParamRule = z.infer<typeof ParamRuleSchema>;

export const CommandRuleSchema = z.strictObject({
  description: localized,
  /** Which executor runs it: a generative image backend, a local sharp operation, or nothing (text only). */
  executor: z.enum(['generative', 'local', 'text']),
  /** Template name (config/templates.yaml) for generative commands; local operation name for local ones. */
  template: z.string().optional(),
  operation: z.string().optional(),
  /** Merge commands of this type into one (label union, prompts joined) — thesis algorithm 7. */
  combine: z.boolean().default(false),
  /** Execution order: higher runs first. */
  priority: z.number().int(),
  paras: z.array(ParamRuleSchema),
  /** Other names models use for this command ("inpaint" for change); matched like the name. */
  aliases: z.array(z.string().min(1)).default([]),
  /** Example wire command shown to LLMs in the system prompt. */
  example: z.string().optional(),
});
export type CommandRule = z.infer<typeof CommandRuleSchema>;

export const CommandsSchema = z
  .strictObject({
    /** Separator used when prompts of merged commands are joined. */
    joinWith: z.string().default(', '),
    commands: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case command name'), CommandRuleSchema),
  })
  .superRefine((value, ctx) => {
    for (const [name, rule] of Object.entries(value.commands)) {
      if (rule.executor === 'generative' && !rule.template) {
        ctx.addIssue({ code: 'custom', path: ['commands', name, 'template'], message: 'a template name for a generative command' });
      }
      if (rule.executor === 'local' && !rule.operation) {
        ctx.addIssue({ code: 'custom', path: ['commands', name, 'operation'], message: 'an operation name for a local command' });
      }
      const known = new Set(Object.keys(value.commands));
      rule.aliases.forEach((alias, i) => {
        if (known.has(alias)) ctx.addIssue({ code: 'custom', path: ['commands', name, 'aliases', i], message: 'an alias that is not another command name' });
      });
      const names = new Set<string>();
      let optionalSeen = false;
      rule.paras.forEach((p, i) => {
        if (optionalSeen && !p.optional) ctx.addIssue({ code: 'custom', path: ['commands', name, 'paras', i, 'optional'], message: 'optional parameters only after the required ones' });
        if (p.optional) optionalSeen = true;
        if (p.type === 'number' && p.min !== undefined && p.max !== undefined && p.min > p.max) ctx.addIssue({ code: 'custom', path: ['commands', name, 'paras', i, 'max'], message: 'max >= min' });
        if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['commands', name, 'paras', i, 'name'], message: 'a unique parameter name' });
        names.add(p.name);
      });
    }
  });
export type CommandsConfig = z.infer<typeof CommandsSchema>;
