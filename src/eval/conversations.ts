import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserFacingError, errorMessage } from '../util/errors.js';

/**
 * One conversation the bot handled, as the operator exports it (JSON lines). Only these fields
 * are read; user ids, thread ids, platform names and anything else on the line are dropped.
 */
const ConversationSchema = z.object({
  instruction: z.string().min(1),
  labels: z.array(z.string().min(1)).min(1),
  commands: z.array(z.object({ command: z.string(), paras: z.array(z.unknown()) })).min(1),
  history: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })).optional(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

/**
 * Strips what identifies people from free text: e-mail addresses, links, platform mentions
 * (<@123>, @name, <at user_id="…">), and long digit runs (phone or account numbers).
 */
export function anonymise(text: string): string {
  return text
    .replace(/<at\b[^>]*>.*?<\/at>/gi, '@user')
    .replace(/<[@#!][&!]?[^>\s]+>/g, '@user')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/https?:\/\/\S+/gi, '[link]')
    .replace(/(^|\s)@[\w.-]+/g, '$1@user')
    .replace(/\+?\d[\d\s-]{7,}\d/g, '[number]')
    .trim();
}

export async function readConversations(file: string): Promise<Conversation[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserFacingError('eval.dataset_conversations_invalid', { file, line: 0, detail: errorMessage(err) });
  }
  const out: Conversation[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserFacingError('eval.dataset_conversations_invalid', { file, line: i + 1, detail: errorMessage(err) });
    }
    const r = ConversationSchema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new UserFacingError('eval.dataset_conversations_invalid', { file, line: i + 1, detail: `${issue.path.join('.')}: ${issue.message}` });
    }
    out.push({
      instruction: anonymise(r.data.instruction),
      labels: r.data.labels,
      commands: r.data.commands,
      ...(r.data.history ? { history: r.data.history.map((h) => ({ role: h.role, content: anonymise(h.content) })) } : {}),
    });
  });
  return out;
}
