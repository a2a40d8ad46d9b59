import { t, type Locale } from '../i18n/index.js';

/**
 * What the bot can do right now, as one model every surface reads: the engine (what a proposal
 * offers, what a chat reply says), `doctor`, the playground's status panel, the CLI and the logs.
 * Each situation has one sentence and at most one fix, so no two places disagree.
 */

/** The parts (segmentation) model: one state at a time. */
export type PartsState =
  | { state: 'ready'; model: string; via: 'local' | 'remote' }
  /** Not on disk and no download running (a fresh install before `serve`, or a download that was interrupted). */
  | { state: 'not-downloaded'; model: string; size?: number; partial?: number }
  | { state: 'downloading'; model: string; received: number; total?: number; etaSeconds?: number }
  /** A file the operator named (SEGMENT_MODEL_PATH, or a card's `path`) is not there. */
  | { state: 'file-missing'; model: string; file: string; by: 'SEGMENT_MODEL_PATH' | 'card' }
  /** The server refused, or the file was not the one the card pins (size, sha256). */
  | { state: 'failed'; model: string; detail: string }
  /** The model host could not be reached (DNS, refused, reset, stalled). */
  | { state: 'offline'; model: string; host: string; detail: string; hub?: boolean };

export interface Capabilities {
  parts: PartsState;
  /** An image generator is configured (SD WebUI, OpenAI image edits): change, face, beauty, swap face. */
  generator: boolean;
  /** Object removal (`erase`) works without a generator: the embedded inpainting model (present or fetched on first use). */
  inpaint: boolean;
}

/** Reads the current capabilities (cheap: called for every proposal) and tells when they change. */
export interface AvailabilitySource {
  current(): Capabilities;
  /** Called whenever the parts model's state changes (download progress included); returns the unsubscribe. */
  subscribe?(listener: (c: Capabilities) => void): () => void;
}

/**
 * Who reads a sentence. Operators (the playground, the CLI, `doctor`, logs) see the command or
 * variable that fixes it; people in chats see a plain sentence and never an operator command.
 */
export type Audience = 'operator' | 'people';

export function partsReady(c: Capabilities | undefined): boolean {
  return !c || c.parts.state === 'ready';
}

/** Downloading: a part edit asked for now waits and runs by itself once the model is there. */
export function partsComing(c: Capabilities | undefined): boolean {
  return c?.parts.state === 'downloading';
}

export function percentOf(p: { received: number; total?: number }): number | undefined {
  if (!p.total || p.total <= 0) return undefined;
  return Math.max(0, Math.min(100, Math.floor((p.received / p.total) * 100)));
}

export function formatBytes(n: number | undefined, locale: Locale): string {
  if (n === undefined || !Number.isFinite(n)) return '?';
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return t(locale, 'avail.bytes', { count: n });
}

/** "about 40 s", "about 3 min" / "约 40 秒", "约 3 分钟". */
export function formatEta(seconds: number, locale: Locale): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 90) return t(locale, 'avail.eta_seconds', { count: s });
  return t(locale, 'avail.eta_minutes', { count: Math.round(s / 60) });
}

export interface Explained {
  /** What is the case, in one sentence. */
  text: string;
  /** The one thing to do about it (operators only); absent when there is nothing to do. */
  fix?: string;
  /** Download progress 0..100, when a download is running and its size is known. */
  percent?: number;
}

/** The parts model's state as the given audience reads it. */
export function explainParts(parts: PartsState, locale: Locale, audience: Audience): Explained {
  const percent = parts.state === 'downloading' ? percentOf(parts) : undefined;
  if (audience === 'people') {
    if (parts.state === 'ready') return { text: t(locale, 'avail.parts_ready_people') };
    if (parts.state === 'downloading') {
      return { text: percent === undefined ? t(locale, 'avail.people_downloading_unknown') : t(locale, 'avail.people_downloading', { percent }), percent };
    }
    return { text: t(locale, 'avail.people_parts_unavailable') };
  }
  const model = parts.model;
  switch (parts.state) {
    case 'ready':
      return { text: t(locale, parts.via === 'remote' ? 'avail.parts_ready_remote' : 'avail.parts_ready', { model }) };
    case 'downloading': {
      const eta = parts.etaSeconds !== undefined ? t(locale, 'avail.eta_left', { eta: formatEta(parts.etaSeconds, locale) }) : '';
      const text =
        percent === undefined
          ? t(locale, 'avail.parts_downloading_unknown', { model, received: formatBytes(parts.received, locale) })
          : t(locale, 'avail.parts_downloading', { model, percent, size: formatBytes(parts.total, locale), eta });
      return { text, fix: t(locale, 'avail.fix_wait'), percent };
    }
    case 'not-downloaded':
      return { text: t(locale, 'avail.parts_not_downloaded', { model, size: formatBytes(parts.size, locale) }), fix: t(locale, 'avail.fix_fetch') };
    case 'file-missing':
      return parts.by === 'SEGMENT_MODEL_PATH'
        ? { text: t(locale, 'avail.parts_file_missing_env', { file: parts.file }), fix: t(locale, 'avail.fix_model_path') }
        : { text: t(locale, 'avail.parts_file_missing_card', { model, file: parts.file }), fix: t(locale, 'avail.fix_card_path', { model }) };
    case 'failed':
      return { text: t(locale, 'avail.parts_failed', { model, detail: parts.detail }), fix: t(locale, 'avail.fix_fetch') };
    case 'offline':
      // A hub file can come from a mirror (HF_ENDPOINT); any other host has to become reachable.
      return { text: t(locale, 'avail.parts_offline', { model, host: parts.host, detail: parts.detail }), fix: t(locale, parts.hub === false ? 'avail.fix_network' : 'avail.fix_mirror', { host: parts.host }) };
  }
}

/** No image generator, as the given audience reads it. */
export function explainGenerator(locale: Locale, audience: Audience): Explained {
  return audience === 'people' ? { text: t(locale, 'avail.people_no_generator') } : { text: t(locale, 'avail.generator_off'), fix: t(locale, 'avail.fix_generator') };
}

/** "text Fix: …" in one line (doctor, status panel, logs, the playground's notes). */
export function sentence(e: Explained): string {
  return e.fix ? `${e.text} ${e.fix}` : e.text;
}
