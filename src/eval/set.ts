import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserFacingError, errorMessage } from '../util/errors.js';

/** The evaluation set shipped with the app (English and Chinese, written for this project). */
export const BUNDLED_SET = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'eval', 'set.jsonl');

const WireSchema = z.object({ command: z.string().min(1), paras: z.array(z.unknown()) }).strict();
const TurnSchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string() }).strict();

/**
 * One evaluation item. `labels` = the parts present in the photo; `reference` = the commands a
 * careful planner would produce (wire format), optional; `history` = earlier turns of the thread.
 */
export const EvalItemSchema = z
  .object({
    id: z.string().min(1).optional(),
    instruction: z.string().min(1),
    labels: z.array(z.string().min(1)).min(1),
    history: z.array(TurnSchema).optional(),
    reference: z.array(WireSchema).optional(),
    note: z.string().optional(),
  })
  .strict();
export type EvalItem = z.infer<typeof EvalItemSchema> & { id: string };

/** Reads a set: a JSON array, a JSON object `{ "items": [...] }`, or JSON lines (one item per line, `#` comments allowed). */
export function parseEvalSet(text: string, source: string): EvalItem[] {
  let raw: { value: unknown; where: string }[] | undefined;
  const whole = tryJson(text);
  // A single JSON document holding a list; anything else is read as JSON lines.
  const list = Array.isArray(whole) ? whole : isRecord(whole) && Array.isArray(whole.items) ? whole.items : undefined;
  if (list) raw = list.map((value, i) => ({ value, where: `item ${i + 1}` }));
  else {
    raw = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line || line.startsWith('#') || line.startsWith('//')) continue;
      try {
        raw.push({ value: JSON.parse(line), where: `line ${i + 1}` });
      } catch (err) {
        throw new UserFacingError('eval.set_invalid', { file: source, where: `line ${i + 1}`, detail: errorMessage(err) });
      }
    }
  }
  const items: EvalItem[] = [];
  const seen = new Set<string>();
  raw.forEach(({ value, where }, i) => {
    const r = EvalItemSchema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new UserFacingError('eval.set_invalid', { file: source, where: `${where} ${issue.path.join('.')}`.trim(), detail: issue.message });
    }
    const id = r.data.id ?? `#${i + 1}`;
    if (seen.has(id)) throw new UserFacingError('eval.set_invalid', { file: source, where, detail: `duplicate id "${id}"` });
    seen.add(id);
    items.push({ ...r.data, id });
  });
  if (items.length === 0) throw new UserFacingError('eval.set_invalid', { file: source, where: '(file)', detail: 'no items' });
  return items;
}

export async function loadEvalSet(file: string = BUNDLED_SET): Promise<EvalItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserFacingError('eval.set_unreadable', { file, detail: errorMessage(err) });
  }
  return parseEvalSet(text, file);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
