import { z } from 'zod';
import type { APIInteraction } from 'discord.js';

/**
 * The fields of an HTTP interaction that the bot reads (see viewFromApi), checked before anything
 * touches them. A body Discord signed can still be malformed (a bug, an API change, a replayed test
 * payload): it gets 400, never a TypeError and a 500. Ids and tokens end up in REST paths
 * (/webhooks/{application_id}/{token}, /channels/{id}/messages/{id}), so their shape is strict.
 * Objects stay open to the other fields Discord sends.
 */

/** Discord ids are snowflakes: decimal integers of up to 20 digits. */
const snowflake = z.string().regex(/^\d{1,20}$/, 'a snowflake id');
/** Interaction tokens are URL-safe text: no "/", "%", "?" or "#", and not a dot segment. */
const token = z
  .string()
  .min(1)
  .max(1000)
  .regex(/^[A-Za-z0-9_~+=-][A-Za-z0-9._~+=-]*$/, 'an interaction token');

const user = z.looseObject({
  id: snowflake,
  username: z.string().max(100).optional(),
  global_name: z.string().max(100).nullish(),
});

const channel = z.looseObject({
  id: snowflake,
  type: z.number().int().optional(),
  parent_id: snowflake.nullish(),
});

const attachment = z.looseObject({
  id: snowflake,
  filename: z.string().max(1024),
  content_type: z.string().max(255).optional(),
  size: z.number().int().nonnegative(),
  url: z.string().max(4096),
});

const common = {
  id: snowflake,
  application_id: snowflake,
  token,
  guild_id: snowflake.optional(),
  channel: channel.optional(),
  channel_id: snowflake.optional(),
  member: z.looseObject({ user }).optional(),
  user: user.optional(),
  locale: z.string().max(35).optional(),
  attachment_size_limit: z.number().int().positive().optional(),
};

/** Option type 11 (attachment) names a resolved attachment by its id. */
const ATTACHMENT_OPTION = 11;

const option = z
  .looseObject({
    name: z.string().min(1).max(100),
    type: z.number().int(),
    value: z.union([z.string().max(6000), z.number(), z.boolean()]).optional(),
  })
  .refine((o) => o.type !== ATTACHMENT_OPTION || (typeof o.value === 'string' && /^\d{1,20}$/.test(o.value)), {
    message: 'an attachment option names an attachment id',
    path: ['value'],
  });

const chatInputData = z.looseObject({
  type: z.literal(1),
  name: z.string().min(1).max(100),
  options: z.array(option).max(25).optional(),
  resolved: z.looseObject({ attachments: z.record(snowflake, attachment).optional() }).optional(),
});

const messageData = z.looseObject({
  type: z.literal(3),
  name: z.string().min(1).max(100),
  target_id: snowflake,
  resolved: z.looseObject({
    messages: z.record(
      snowflake,
      z.looseObject({ content: z.string().max(10_000).optional(), attachments: z.array(attachment).max(25).optional() }),
    ),
  }),
});

/** Other command types (user commands, entry points) are answered "unsupported" by the bot. */
const otherCommandData = z.looseObject({
  type: z
    .number()
    .int()
    .refine((t) => t !== 1 && t !== 3),
  name: z.string().max(100),
});

const commandInteraction = z.looseObject({
  ...common,
  type: z.literal(2),
  data: z.union([chatInputData, messageData, otherCommandData]),
});

const componentInteraction = z.looseObject({
  ...common,
  type: z.literal(3),
  data: z
    .looseObject({
      custom_id: z.string().min(1).max(100),
      component_type: z.number().int(),
      values: z.array(z.string().max(100)).max(25).optional(),
    })
    .refine((d) => d.component_type !== 3 || d.values !== undefined, { message: 'a select sends its values', path: ['values'] }),
  message: z.looseObject({ id: snowflake, channel_id: snowflake }),
});

const envelope = z.looseObject({ type: z.number().int() });

export type ParsedInteraction = { kind: 'ping' } | { kind: 'interaction'; interaction: APIInteraction } | { kind: 'unsupported'; type: number } | { kind: 'invalid'; error: string };

/** Reads a verified interaction body. Never throws. */
export function parseInteraction(body: Buffer): ParsedInteraction {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'invalid', error: 'body is not JSON' };
  }
  const head = envelope.safeParse(raw);
  if (!head.success) return { kind: 'invalid', error: 'body is not an interaction object' };
  const type = head.data.type;
  if (type === 1) return { kind: 'ping' };
  const schema = type === 2 ? commandInteraction : type === 3 ? componentInteraction : undefined;
  if (!schema) return { kind: 'unsupported', type };
  const result = schema.safeParse(raw);
  if (!result.success) return { kind: 'invalid', error: describe(result.error.issues[0]) };
  return { kind: 'interaction', interaction: result.data as unknown as APIInteraction };
}

function describe(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'malformed interaction';
  const where = issue.path.length ? issue.path.map(String).join('.') : 'body';
  return `malformed interaction: ${where}: ${issue.message}`.slice(0, 200);
}
