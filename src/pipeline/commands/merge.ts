import type { CommandRule } from '../../config/schemas/commands.js';
import { WHOLE_IMAGE } from './labels.js';
import type { Command } from '../../core/commands.js';

/**
 * Thesis algorithm 7. Combinable commands of one type are merged into the first of them: label
 * lists united in order (the whole image absorbs parts), text parameters joined with `joinWith`
 * without repeating a piece. Commands whose other parameters differ (blur 10 vs blur 60) stay
 * apart, since merging them would silently drop one value. Exact duplicates are dropped. Then
 * a stable sort by priority, highest first.
 */
export function mergeAndSort(commands: readonly Command[], ruleOf: (name: string) => CommandRule | undefined, joinWith: string): Command[] {
  const merged: { command: Command; pieces: Map<string, string[]> }[] = [];
  const byKey = new Map<string, (typeof merged)[number]>();
  const seen = new Set<string>();
  for (const cmd of commands) {
    const rule = ruleOf(cmd.command);
    if (!rule?.combine) {
      const key = `${cmd.command}\u0000${stableJson(cmd.args)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push({ command: { command: cmd.command, args: { ...cmd.args } }, pieces: new Map() });
      continue;
    }
    let mergeable = mergeableCache.get(rule);
    if (!mergeable) {
      mergeable = new Set(rule.paras.filter((p) => p.type === 'labels' || p.type === 'string').map((p) => p.name));
      mergeableCache.set(rule, mergeable);
    }
    let fixed = '';
    for (const k of Object.keys(cmd.args).sort()) if (!mergeable.has(k)) fixed += `${k}=${stableJson(cmd.args[k])};`;
    const key = `${cmd.command}\u0000${fixed}`;
    const into = byKey.get(key);
    if (!into) {
      const entry = { command: { command: cmd.command, args: { ...cmd.args } }, pieces: new Map<string, string[]>() };
      for (const p of rule.paras) {
        const v = cmd.args[p.name];
        if (p.type === 'string' && typeof v === 'string') entry.pieces.set(p.name, splitPieces(v, joinWith, []));
      }
      byKey.set(key, entry);
      merged.push(entry);
      continue;
    }
    for (const p of rule.paras) {
      const v = cmd.args[p.name];
      if (p.type === 'labels' && Array.isArray(v)) {
        into.command.args[p.name] = unionLabels(into.command.args[p.name], v as string[]);
      } else if (p.type === 'string' && typeof v === 'string') {
        const pieces = into.pieces.get(p.name) ?? [];
        splitPieces(v, joinWith, pieces);
        into.pieces.set(p.name, pieces);
        into.command.args[p.name] = pieces.join(joinWith);
      }
    }
  }
  const out = merged.map((m) => m.command);
  const priority = (c: Command) => ruleOf(c.command)?.priority ?? 0;
  // Array.prototype.sort is stable, so equal priorities keep the order the model gave.
  return out.sort((a, b) => priority(b) - priority(a));
}

/** Which parameters of a rule merge (labels, text); the others must be equal to merge. */
const mergeableCache = new WeakMap<CommandRule, Set<string>>();

function unionLabels(existing: unknown, more: readonly string[]): string[] {
  const base = Array.isArray(existing) ? (existing as string[]) : [];
  if (base.includes(WHOLE_IMAGE) || more.includes(WHOLE_IMAGE)) return [WHOLE_IMAGE];
  const out = [...base];
  for (const l of more) if (!out.includes(l)) out.push(l);
  return out;
}

/** Adds the pieces of a prompt ("a, b") to `into`, skipping empty ones and repeats (ignoring case). */
function splitPieces(text: string, joinWith: string, into: string[]): string[] {
  const sep = joinWith.trim() || joinWith;
  const parts = sep ? text.split(sep) : [text];
  for (const raw of parts) {
    const piece = raw.trim();
    if (!piece) continue;
    if (!into.some((p) => p.toLowerCase() === piece.toLowerCase())) into.push(piece);
  }
  return into;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
