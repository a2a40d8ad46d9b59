import type { PlanPrompt, PromptsConfig } from '../../config/schemas/prompts.js';
import type { Locale } from '../../i18n/index.js';
import type { CommandLanguage } from '../commands/index.js';
import type { ChatMessage } from '../../providers/llm/types.js';
import type { ChatTurn } from './types.js';

/** Fills {name} placeholders; unknown ones stay visible so a broken template is noticed. */
export function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole));
}

export function numberedLabels(labels: readonly string[]): string {
  return labels.map((l, i) => `${i + 1}. ${l}`).join('\n');
}

export function planTemplate(prompts: PromptsConfig, name: string, locale: Locale): PlanPrompt {
  const set = prompts.templates[name] ?? prompts.templates.thesis ?? Object.values(prompts.templates)[0]!;
  return set[locale];
}

export interface PlanMessagesInput {
  prompts: PromptsConfig;
  template: string;
  locale: Locale;
  language: CommandLanguage;
  labels: readonly string[];
  history?: readonly ChatTurn[];
  instruction: string;
  /** Structured output: the object format; otherwise the thesis' JSON array. */
  structured: boolean;
}

/**
 * The thesis' conversation shape: system prompt (commands + format), then an earlier turn that
 * carries the photo's labels ("which parts does the photo have?" → numbered list), then the
 * thread's own history, then the instruction. `eval`/`dataset` reuse it for alpaca samples.
 */
export function buildPlanMessages(input: PlanMessagesInput): ChatMessage[] {
  const p = planTemplate(input.prompts, input.template, input.locale);
  const system = fill(p.system, {
    commands: input.language.describeForPrompt(input.locale),
    format: input.structured ? p.formatObject : p.formatArray,
  });
  const labelAnswer = input.labels.length > 0 ? fill(p.labelsAnswer, { labels: numberedLabels(input.labels) }).trim() : p.labelsNone;
  const messages: ChatMessage[] = [
    { role: 'system', content: system.trim() },
    { role: 'user', content: p.labelsQuestion },
    { role: 'assistant', content: labelAnswer },
  ];
  for (const turn of input.history ?? []) messages.push({ role: turn.role, content: turn.content });
  messages.push({ role: 'user', content: input.instruction });
  return messages;
}

/** The repair round's message: quotes every reason the previous answer was rejected. */
export function repairMessage(prompts: PromptsConfig, template: string, locale: Locale, reasons: readonly string[]): string {
  const p = planTemplate(prompts, template, locale);
  const unique = [...new Set(reasons)].slice(0, 12);
  return fill(p.repair, { reasons: unique.map((r) => `- ${r}`).join('\n') }).trim();
}
