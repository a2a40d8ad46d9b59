import type { MessageKey } from '../i18n/index.js';

/** The thesis wire format, kept for models fine-tuned on its data. */
export type WireCommand = { command: string; paras: unknown[] };

/**
 * A validated command. `args` is keyed by the parameter names of config/commands.yaml:
 * labels are canonical label arrays (["*"] = whole image), colours "#rrggbb", numbers numbers.
 */
export interface Command {
  command: string;
  args: Record<string, unknown>;
}

/** Something that could not be used, with a reason a repair prompt can quote. */
export interface Rejection {
  item: unknown;
  reason: string;
  /** The message behind `reason`, so a caller can re-render it in the user's language. */
  key?: MessageKey;
  params?: Record<string, string | number>;
}

export interface ParseResult {
  commands: Command[];
  rejected: Rejection[];
}
