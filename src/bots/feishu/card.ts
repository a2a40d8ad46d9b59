import type { Button, Progress, Reply } from '../../engine/types.js';
import { t } from '../../i18n/index.js';
import { SELECT_FIELD } from './parse.js';

/**
 * Renders the engine's neutral Reply as a Feishu card (JSON 2.0). Text goes in as plain_text, never
 * markdown, so a user's words echoed back cannot smuggle `<at id=all>` or links into the card.
 * The select sits in a form together with the buttons: Feishu only submits a multi-select through a
 * form, and this way "choose, then press Run selected" is one callback carrying both.
 */

const MAX_TEXT = 4000;

type CardElement = Record<string, unknown>;

function plain(content: string): { tag: 'plain_text'; content: string } {
  return { tag: 'plain_text', content: content.length > MAX_TEXT ? `${content.slice(0, MAX_TEXT - 1)}…` : content };
}

function headerTemplate(progress: Progress | undefined): string {
  switch (progress?.state) {
    case 'queued':
      return 'wathet';
    case 'running':
      return 'blue';
    case 'done':
      return 'green';
    case 'failed':
      return 'red';
    case 'cancelled':
      return 'grey';
    default:
      return 'indigo';
  }
}

function buttonType(style: Button['style']): string {
  switch (style) {
    case 'primary':
      return 'primary_filled';
    case 'danger':
      return 'danger';
    case 'success':
      return 'primary';
    default:
      return 'default';
  }
}

function progressLine(reply: Reply): string | undefined {
  const p = reply.progress;
  if (!p) return undefined;
  if (p.state === 'queued' && p.position !== undefined) return t(reply.locale, 'feishu.progress_queued', { position: p.position });
  if (p.state === 'running') {
    if (p.fraction === undefined) return t(reply.locale, 'feishu.progress_running_plain');
    const percent = Math.max(0, Math.min(100, Math.round(p.fraction * 100)));
    const filled = Math.round(percent / 10);
    return `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)} ${t(reply.locale, 'feishu.progress_running', { percent })}`;
  }
  return undefined;
}

function renderButton(button: Button, name: string, selectId?: string): CardElement {
  const value: Record<string, string> = { a: button.id };
  if (selectId) value.s = selectId;
  const el: CardElement = {
    tag: 'button',
    name,
    text: plain(button.label),
    type: buttonType(button.style),
    behaviors: [{ type: 'callback', value }],
  };
  // What a click chose stays on the card, greyed out.
  if (button.disabled) el.disabled = true;
  if (selectId) el.form_action_type = 'submit';
  return el;
}

function buttonRow(buttons: Button[], row: number, selectId?: string): CardElement {
  return {
    tag: 'column_set',
    flex_mode: 'flow',
    horizontal_spacing: '8px',
    columns: buttons.map((b, i) => ({
      tag: 'column',
      width: 'auto',
      elements: [renderButton(b, `cie_b${row}_${i}`, selectId)],
    })),
  };
}

export function renderCard(reply: Reply, imageKeys: string[]): Record<string, unknown> {
  const elements: CardElement[] = [];
  if (reply.text) elements.push({ tag: 'div', text: plain(reply.text) });
  const progress = progressLine(reply);
  if (progress) elements.push({ tag: 'div', text: { ...plain(progress), text_size: 'notation', text_color: 'grey' } });
  if (reply.fields?.length) {
    const lines = reply.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
    elements.push({ tag: 'div', text: { ...plain(lines), text_size: 'notation', text_color: 'grey' } });
  }
  (reply.images ?? []).forEach((image, i) => {
    const key = imageKeys[i];
    if (!key) return;
    elements.push({ tag: 'img', img_key: key, alt: plain(image.alt || image.filename), scale_type: 'fit_horizontal', preview: true });
  });

  const rows = (reply.buttons ?? []).filter((row) => row.length > 0);
  if (reply.select && reply.select.options.length > 0) {
    const select = reply.select;
    const multi = select.maxValues > 1;
    const formElements: CardElement[] = [
      {
        tag: multi ? 'multi_select_static' : 'select_static',
        name: SELECT_FIELD,
        required: false,
        width: 'fill',
        placeholder: plain(select.placeholder),
        options: select.options.map((o) => ({ text: plain(o.description ? `${o.label} — ${o.description}` : o.label), value: o.value })),
      },
    ];
    // Without engine buttons the form still needs a way to submit the choice.
    const formRows = rows.length > 0 ? rows : [[{ id: select.id, label: t(reply.locale, 'feishu.select_submit'), style: 'primary' as const }]];
    formRows.forEach((row, r) => formElements.push(buttonRow(row, r, select.id)));
    elements.push({ tag: 'form', name: 'cie_form', elements: formElements });
  } else {
    rows.forEach((row, r) => elements.push(buttonRow(row, r)));
  }

  const summary = (reply.text || t(reply.locale, 'feishu.card_title')).split('\n')[0].slice(0, 100);
  return {
    schema: '2.0',
    config: { update_multi: true, width_mode: 'fill', summary: { content: summary } },
    header: { title: plain(t(reply.locale, 'feishu.card_title')), template: headerTemplate(reply.progress) },
    body: { elements },
  };
}

/** The ephemeral-card API takes card JSON 1.0 only: a header and the text. */
export function renderEphemeralCard(reply: Reply): Record<string, unknown> {
  const lines = [reply.text, ...(reply.fields ?? []).map((f) => `${f.label}: ${f.value}`)].filter(Boolean).join('\n');
  return {
    config: { wide_screen_mode: true },
    header: { title: plain(t(reply.locale, 'feishu.card_title')), template: reply.kind === 'error' ? 'red' : 'indigo' },
    elements: [{ tag: 'div', text: plain(lines) }],
  };
}
