import type { FaceSwapMode } from '../../config/schemas/safety.js';
import type { MessageKey } from '../../i18n/index.js';

/** Who asked for a face swap and who posted the two photos it would use. */
export interface FaceSwapRequest {
  /** The user asking (the proposal's owner, or whoever clicks). */
  requester: string;
  /** Who posted the photo being edited (the thread's original photo). */
  targetBy: string | undefined;
  /** Who posted the face source photo. */
  sourceBy: string | undefined;
}

export type FaceSwapDecision = { allowed: true } | { allowed: false; reason: Extract<MessageKey, 'safety.face_swap_off' | 'safety.face_swap_own_photos'> };

/**
 * The face swap policy: `off` never, `on` always, `own-photos` only when the person asking posted
 * both photos in this thread (someone else's face, or someone else's photo, is refused).
 */
export function decideFaceSwap(mode: FaceSwapMode, req: FaceSwapRequest): FaceSwapDecision {
  if (mode === 'on') return { allowed: true };
  if (mode === 'off') return { allowed: false, reason: 'safety.face_swap_off' };
  const own = req.targetBy !== undefined && req.sourceBy !== undefined && req.targetBy === req.requester && req.sourceBy === req.requester;
  return own ? { allowed: true } : { allowed: false, reason: 'safety.face_swap_own_photos' };
}

/** The commands the face swap policy governs: those whose template swaps faces (default `swap_face`). */
export function faceSwapCommands(
  commands: { commands: Record<string, { template?: string | null }> },
  templates: { templates: Record<string, { faceSwap?: boolean }> },
): Set<string> {
  const out = new Set<string>();
  for (const [name, rule] of Object.entries(commands.commands)) {
    const template = rule.template ? templates.templates[rule.template] : undefined;
    if (template?.faceSwap) out.add(name);
  }
  return out;
}
