import crypto from 'node:crypto';
import { t } from '../../i18n/index.js';
import type { Button, Progress, Reply, SelectMenu } from '../../engine/types.js';

/** Block Kit limits (api.slack.com/reference/block-kit): longer values are refused by Slack. */
const LIMITS = {
  sectionText: 3000,
  contextElements: 10,
  contextText: 2000,
  buttonText: 75,
  actionsElements: 25,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  placeholder: 150,
  blocks: 50,
  fallbackText: 3000,
} as const;

export interface SlackBlock {
  type: string;
  block_id?: string;
  [key: string]: unknown;
}

export interface RenderedMessage {
  /** Notification / screen-reader fallback. */
  text: string;
  blocks: SlackBlock[];
}

/**
 * The neutral Reply as Block Kit: text section, fields as context, progress line, one actions block
 * per button row, the select in its own actions block. Images are shared into the thread separately
 * (files.uploadV2), so they are not part of the blocks.
 *
 * Block ids follow the content (Slack: "If a message is updated, use a new block_id"): a block whose
 * content changes in a chat.update gets a new id. One primary button per message (Slack's guidance);
 * a disabled button (what a click chose; Slack has none) is shown as a context line.
 */
export function renderReply(reply: Reply): RenderedMessage {
  const blocks: SlackBlock[] = [];
  if (reply.text) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(reply.text), LIMITS.sectionText) } });
  }
  const fields = reply.fields ?? [];
  for (let i = 0; i < fields.length; i += LIMITS.contextElements) {
    blocks.push({
      type: 'context',
      elements: fields.slice(i, i + LIMITS.contextElements).map((f) => ({
        type: 'mrkdwn',
        text: clip(`*${escapeMrkdwn(f.label)}*: ${escapeMrkdwn(f.value)}`, LIMITS.contextText),
      })),
    });
  }
  if (reply.progress) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: progressLine(reply) }] });
  }
  const chosen = (reply.buttons ?? []).flat().filter((b) => b.disabled);
  if (chosen.length) {
    blocks.push({ type: 'context', elements: chosen.slice(0, LIMITS.contextElements).map((b) => ({ type: 'mrkdwn', text: clip(`*${escapeMrkdwn(b.label)}*`, LIMITS.contextText) })) });
  }
  let primaryLeft = true;
  const render = (b: Button): Record<string, unknown> => {
    const wantsPrimary = b.style === 'primary' || b.style === 'success';
    const el = renderButton(b, wantsPrimary && primaryLeft);
    if (wantsPrimary) primaryLeft = false;
    return el;
  };
  for (const row of reply.buttons ?? []) {
    const live = row.filter((b) => !b.disabled);
    for (let i = 0; i < live.length; i += LIMITS.actionsElements) {
      blocks.push({ type: 'actions', elements: live.slice(i, i + LIMITS.actionsElements).map(render) });
    }
  }
  if (reply.select && reply.select.options.length) blocks.push({ type: 'actions', elements: [renderSelect(reply.select)] });
  const text = clip(escapeMrkdwn(reply.text || (reply.progress ? progressLine(reply) : ' ')), LIMITS.fallbackText);
  return { text, blocks: withBlockIds(blocks.slice(0, LIMITS.blocks)) };
}

/** A block id from the block's type, position and content: new content, new id. */
function withBlockIds(blocks: SlackBlock[]): SlackBlock[] {
  return blocks.map((b, i) => ({ ...b, block_id: `${b.type}-${i}-${crypto.createHash('sha256').update(JSON.stringify(b)).digest('base64url').slice(0, 12)}` }));
}

function renderButton(b: Button, primary: boolean): Record<string, unknown> {
  const button: Record<string, unknown> = {
    type: 'button',
    action_id: b.id,
    value: b.id,
    text: { type: 'plain_text', text: clip(b.label, LIMITS.buttonText), emoji: true },
  };
  // Slack has only primary (green) and danger (red); "secondary" is its default look.
  if (primary) button.style = 'primary';
  else if (b.style === 'danger') button.style = 'danger';
  return button;
}

function renderSelect(s: SelectMenu): Record<string, unknown> {
  const options = s.options.slice(0, LIMITS.selectOptions).map((o) => {
    const option: Record<string, unknown> = {
      text: { type: 'plain_text', text: clip(o.label, LIMITS.optionText), emoji: true },
      value: o.value.slice(0, LIMITS.optionValue),
    };
    if (o.description) option.description = { type: 'plain_text', text: clip(o.description, LIMITS.optionText) };
    return option;
  });
  const placeholder = { type: 'plain_text', text: clip(s.placeholder, LIMITS.placeholder), emoji: true };
  if (s.maxValues <= 1) return { type: 'static_select', action_id: s.id, placeholder, options };
  return { type: 'multi_static_select', action_id: s.id, placeholder, options, max_selected_items: Math.min(s.maxValues, options.length) };
}

function progressLine(reply: Reply): string {
  const p = reply.progress as Progress;
  switch (p.state) {
    case 'queued':
      return t(reply.locale, 'slack.progress_queued', { position: p.position ?? 1 });
    case 'running':
      return p.fraction === undefined
        ? t(reply.locale, 'slack.progress_running')
        : t(reply.locale, 'slack.progress_running_percent', { bar: progressBar(p.fraction), percent: Math.round(Math.min(1, Math.max(0, p.fraction)) * 100) });
    case 'done':
      return t(reply.locale, 'slack.progress_done');
    case 'failed':
      return t(reply.locale, 'slack.progress_failed');
    case 'cancelled':
      return t(reply.locale, 'slack.progress_cancelled');
  }
}

/** Ten cells, so the bar reads at a glance on phones too. */
function progressBar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * 10);
  return '▰'.repeat(filled) + '▱'.repeat(10 - filled);
}

/** Slack mrkdwn treats &, < and > as control characters; everything else is shown as typed. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
