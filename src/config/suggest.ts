import type { z } from 'zod';

/** Edit distance (insertions, deletions, substitutions), for "did you mean" hints. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known name closest to `given`, when it is close enough to be a likely typo: case is ignored,
 * and at most a third of the name's characters may differ.
 */
export function closest(given: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = given.toLowerCase();
  for (const candidate of known) {
    const d = levenshtein(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(1, Math.floor(Math.max(given.length, best.length) / 3)) ? best : undefined;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  items?: z.ZodType[];
  options?: z.ZodType[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Follows wrappers (optional, default, pipe…) down to the schemas that hold the value itself. */
function unwrap(schema: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return def.innerType ? unwrap(def.innerType, depth + 1) : [];
    case 'pipe':
      return def.in ? unwrap(def.in, depth + 1) : [];
    case 'lazy':
      return def.getter ? unwrap(def.getter(), depth + 1) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => unwrap(o, depth + 1));
    default:
      return [schema];
  }
}

/**
 * The keys an object schema accepts at `path` inside `root` (record keys are the user's own names,
 * so a record step matches any key). Empty when the path leads nowhere known.
 */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(root);
  for (const step of path) {
    const next: z.ZodType[] = [];
    for (const schema of current) {
      const def = defOf(schema);
      if (def.type === 'object' && def.shape && typeof step === 'string' && Object.hasOwn(def.shape, step)) next.push(...unwrap(def.shape[step]!));
      else if (def.type === 'record' && def.valueType) next.push(...unwrap(def.valueType));
      else if (def.type === 'array' && def.element) next.push(...unwrap(def.element));
      else if (def.type === 'tuple' && def.items && typeof step === 'number' && def.items[step]) next.push(...unwrap(def.items[step]));
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const schema of current) {
    const def = defOf(schema);
    if (def.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}
