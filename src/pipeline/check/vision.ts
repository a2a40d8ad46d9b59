import type { Locale } from '../../i18n/index.js';
import { cleanSentence, readJsonReply } from '../model-reply.js';
import type { Command } from '../../core/commands.js';
import type { TokenUsage } from '../../providers/llm/types.js';
import type { VisionRequest } from '../../providers/llm/vision.js';

/** The vision client's one call the check needs (providers/llm VisionClient, or a test double). */
export interface VisionAsker {
  readonly model: string;
  ask(req: VisionRequest): Promise<{ content?: string; refusal?: string; usage?: TokenUsage }>;
}

/** The model's answer about one command. */
export interface VisionVerdict {
  index: number;
  shows: boolean;
  /** One short sentence in the user's language, cleaned (never markup or mentions). */
  reason: string;
}

export interface VisionCheckResult {
  model: string;
  verdicts: VisionVerdict[];
  usage: TokenUsage;
  ms: number;
  /** Why there is no verdict (model down, refusal, unreadable answer): the check then says nothing. */
  error?: string;
}

/** Strict structured output: an object at the root, every property required, nothing else allowed. */
export const VISION_CHECK_SCHEMA = {
  name: 'edit_check',
  schema: {
    type: 'object',
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            edit: { type: 'integer', description: 'The number of the edit in the list.' },
            shows: { type: 'boolean', description: 'Whether the AFTER photo clearly shows this edit.' },
            reason: { type: 'string', description: 'One short sentence for the user about what the AFTER photo shows.' },
          },
          required: ['edit', 'shows', 'reason'],
          additionalProperties: false,
        },
      },
    },
    required: ['results'],
    additionalProperties: false,
  },
} as const;

/** A command as one line for the model: "change Upper-clothes: white T-shirt", "adjust whole photo: brightness +20". */
export function describeForCheck(cmd: Command): string {
  const labels = Array.isArray(cmd.args.labels) ? cmd.args.labels.map(String) : [];
  const where = labels.includes('*') ? 'whole photo' : labels.join(', ');
  const values: string[] = [];
  for (const [key, value] of Object.entries(cmd.args)) {
    if (key === 'labels') continue;
    if (typeof value === 'string' && value.trim()) values.push(value.trim().slice(0, 200));
    else if (typeof value === 'number' && value !== 0) values.push(`${key} ${value > 0 ? '+' : ''}${value}`);
  }
  const head = [cmd.command.replace(/_/g, ' '), where].filter(Boolean).join(' ');
  return values.length ? `${head}: ${values.join(', ')}` : head;
}

/** Model text shown to users: one line, no control characters, markup, links or mentions, at most 160 characters. */
export function cleanReason(text: unknown): string | undefined {
  return cleanSentence(text, 160);
}


/**
 * The vision check: one request per job with the photo before and after the edit and the numbered
 * list of executed commands; the model says, per command, whether the result shows it and why not
 * ("The shirt still looks beige."). Strict JSON schema through structured output where the profile
 * supports it. Any failure gives no verdict: the check is about quality, never a reason to drop a
 * result.
 */
export class VisionCheck {
  constructor(
    private readonly client: VisionAsker,
    private readonly opts: { prompts: Record<Locale, string>; maxTokens: number },
  ) {}

  get model(): string {
    return this.client.model;
  }

  async check(req: { before: Buffer; after: Buffer; edits: { index: number; command: Command }[]; locale: Locale; signal?: AbortSignal }): Promise<VisionCheckResult> {
    const started = performance.now();
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
    const done = (verdicts: VisionVerdict[], error?: string): VisionCheckResult => ({ model: this.client.model, verdicts, usage, ms: Math.round(performance.now() - started), ...(error ? { error } : {}) });
    if (req.edits.length === 0) return done([]);
    const edits = req.edits.map((e, i) => `${i + 1}. ${describeForCheck(e.command)}`).join('\n');
    const system = this.opts.prompts[req.locale].replace('{edits}', edits);
    let answer: Awaited<ReturnType<VisionAsker['ask']>>;
    try {
      answer = await this.client.ask({
        system,
        text: req.locale === 'zh-CN' ? '第一张：编辑前。第二张：编辑后。' : 'First image: before. Second image: after.',
        image: req.before,
        moreImages: [req.after],
        jsonSchema: { name: VISION_CHECK_SCHEMA.name, schema: VISION_CHECK_SCHEMA.schema as unknown as Record<string, unknown> },
        temperature: 0,
        maxTokens: this.opts.maxTokens,
        signal: req.signal,
      });
    } catch (err) {
      if (req.signal?.aborted) throw err;
      return done([], (err as { reason?: string }).reason ?? (err instanceof Error ? err.name : 'error'));
    }
    if (answer.usage) Object.assign(usage, answer.usage);
    if (answer.refusal) return done([], 'refusal');
    const parsed = answer.content ? await readJsonReply(answer.content) : undefined;
    const list = Array.isArray(parsed) ? parsed : (parsed as { results?: unknown } | undefined)?.results;
    if (!Array.isArray(list)) return done([], 'unreadable');
    const verdicts: VisionVerdict[] = [];
    for (const item of list) {
      if (typeof item !== 'object' || item === null) continue;
      const { edit, shows, reason } = item as Record<string, unknown>;
      const n = typeof edit === 'number' ? edit : Number(edit);
      const target = Number.isInteger(n) ? req.edits[n - 1] : undefined;
      if (!target || typeof shows !== 'boolean' || verdicts.some((v) => v.index === target.index)) continue;
      verdicts.push({ index: target.index, shows, reason: cleanReason(reason) ?? '' });
    }
    return done(verdicts);
  }
}
