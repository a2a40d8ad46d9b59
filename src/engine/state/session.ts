import type { Locale } from '../../i18n/index.js';
import type { ChatTurn, Command, UserSettings } from '../deps.js';
import type { MessageRef, ReplyContext, ThreadRef } from '../types.js';
import type { BlobRef } from './blobs.js';

/** One image in a thread's history: the original photo or the result of a job. */
export interface Revision {
  id: string;
  blob: BlobRef;
  width: number;
  height: number;
  parent?: string;
  /** Commands that produced it (absent for the original). */
  commands?: Command[];
  createdAt: number;
}

export interface ThreadSettings extends UserSettings {
  /** Set explicitly with the settings command; wins over detection. */
  locale?: Locale;
}

/**
 * Everything the engine remembers about one thread (settings live in their own record, so they
 * outlive a new photo). Stored as one keyv record; images are only
 * referenced (BlobRef), never embedded.
 */
export interface ThreadSession {
  /** Changes when a new photo starts the session over, so old buttons can tell they are stale. */
  id: string;
  thread: ThreadRef;
  /** Whoever posted the photo: the only person who may press the buttons by default. */
  owner: string;
  ownerName?: string;
  /** Last locale used in the thread (fallback when a message gives no hint). */
  locale: Locale;
  revisions: Record<string, Revision>;
  /** The base image the next edit applies to. */
  current: string;
  undo: string[];
  redo: string[];
  history: ChatTurn[];
  /** The face source photo for swap_face (second photo of a message). */
  faceSource?: BlobRef;
  /** Who posted the photo being edited and the face source (the face swap policy's "own photos"). */
  photoBy?: string;
  faceSourceBy?: string;
  pendingProposal?: string;
  createdAt: number;
  updatedAt: number;
}

/** A set of commands offered as buttons. Stored on its own so older proposals keep working. */
export interface Proposal {
  id: string;
  sessionId: string;
  thread: ThreadRef;
  owner: string;
  commands: Command[];
  /** Sentences explaining suggested commands (same order). */
  sentences?: string[];
  /** Indexes chosen in the multi-select. */
  selected?: number[];
  /** The message the proposal is shown in; a click turns it into the message of the job it starts. */
  message?: MessageRef;
  state: 'open' | 'cancelled';
  createdAt: number;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRecord {
  id: string;
  sessionId: string;
  thread: ThreadRef;
  owner: string;
  /** Who started it (the owner, or anyone under actionPolicy "channel"): per-user limits count it for them. */
  user?: string;
  commands: Command[];
  /** Revision the job edits. */
  base: string;
  settings: ThreadSettings;
  lane: string;
  state: JobState;
  /** Engine instance that runs it (see Engine.instanceId). */
  instance?: string;
  message?: MessageRef;
  /** How the platform answers the event that started the job (Discord: the click's interaction token). */
  reply?: ReplyContext;
  /** Revision produced when done. */
  result?: string;
  /** The result as shown (text, fields, alt text), so it can be shown again (continue, retrieve) without re-running. */
  view?: { text: string; fields?: { label: string; value: string }[]; alt: string };
  /** The label of the control that started the job, shown (disabled) while it runs. */
  chosen?: string;
  /** The proposal's other commands (its button token and their indexes): still offered on the result. */
  more?: { token: string; items: { index: number; label: string }[] };
  /** The platform may stop taking replies to the event before the job ends: the progress says so and offers Retrieve. */
  mayOutliveReply?: boolean;
  /** The final answer could not be delivered (the reply context had expired): Retrieve shows it. */
  undelivered?: boolean;
  /** Some command needs an image generator: only then does "Retry with new seed" mean anything. */
  generative?: boolean;
  /** Part names in the job's language, for its texts ("Upper-clothes" → "上衣"). */
  labelNames?: Record<string, string>;
  /** What the request's proposal would have said beside the buttons (instead, not possible, not understood), kept on the job's message. */
  notes?: { label: string; value: string }[];
  /** Started before the parts model was there (it was downloading): the job waits for it, then runs. */
  waitsForParts?: boolean;
  failure?: string;
  /** The platform event that started the job (logged with refusals of its result). */
  eventId?: string;
  /** Commands of the result that did not show up (the result check), for the targeted retry. */
  checks?: FailedCheck[];
  locale: Locale;
  createdAt: number;
  updatedAt: number;
}

/** One command whose result check failed. */
export interface FailedCheck {
  /** Index of the command in the job. */
  index: number;
  command: Command;
  failure: 'unchanged' | 'not_shown';
  /** The vision model's sentence, when it gave one. */
  reason?: string;
  /** Whether a stronger retry exists (the button is only offered then). */
  retry: boolean;
}

/** What a button's token refers to: everything needed to act on a click, even after a restart. */
export type ActionScope =
  | { kind: 'proposal'; thread: ThreadRef; owner: string; sessionId: string; proposalId: string }
  | { kind: 'job'; thread: ThreadRef; owner: string; sessionId: string; jobId: string }
  | { kind: 'thread'; thread: ThreadRef; owner: string; sessionId: string };

export { newId } from './ids.js';

export function currentRevision(s: ThreadSession): Revision {
  return s.revisions[s.current]!;
}

/** Makes `revisionId` the base: the previous base goes on the undo stack, redo is cleared. */
export function advanceTo(s: ThreadSession, revisionId: string, maxRevisions: number): void {
  if (s.current === revisionId) return;
  s.undo.push(s.current);
  s.current = revisionId;
  s.redo = [];
  pruneRevisions(s, maxRevisions);
}

export function undoOnce(s: ThreadSession): boolean {
  const prev = s.undo.pop();
  if (!prev) return false;
  s.redo.push(s.current);
  s.current = prev;
  return true;
}

export function redoOnce(s: ThreadSession): boolean {
  const next = s.redo.pop();
  if (!next) return false;
  s.undo.push(s.current);
  s.current = next;
  return true;
}

/** Keeps the newest revisions; the original photo and everything on the undo/redo stacks stay reachable. */
function pruneRevisions(s: ThreadSession, max: number): void {
  if (s.undo.length > max) s.undo.splice(0, s.undo.length - max);
  const keep = new Set([s.current, ...s.undo, ...s.redo]);
  const all = Object.values(s.revisions).sort((a, b) => b.createdAt - a.createdAt);
  const original = all.find((r) => !r.parent);
  if (original) keep.add(original.id);
  for (const r of all) if (keep.size < max) keep.add(r.id);
  for (const id of Object.keys(s.revisions)) if (!keep.has(id)) delete s.revisions[id];
}
