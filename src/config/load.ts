import { readFileSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { SECTION_SCHEMAS } from './sections.js';
import { closest, knownKeysAt } from './suggest.js';

export type SectionName = keyof typeof SECTION_SCHEMAS;
export type AppConfig = { [K in SectionName]: z.infer<(typeof SECTION_SCHEMAS)[K]> };
export const ALL_SECTIONS = Object.keys(SECTION_SCHEMAS) as SectionName[];

/** Configuration files are small; anything larger is a mistake (or an attack) and is refused unread. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** YAML aliases resolved per file: enough for any sane reuse, far too few for a "billion laughs" bomb. */
export const MAX_YAML_ALIASES = 100;

/**
 * The `config/` folder shipped with the app: the nearest one above this module, so it is found
 * from src/, dist/ and the compiled benchmarks (.bench-dist/src/…) alike.
 */
export const DEFAULT_CONFIG_DIR = findConfigDir(path.dirname(fileURLToPath(import.meta.url)));

function findConfigDir(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'config');
    if (existsSync(path.join(candidate, 'commands.yaml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start, '..', '..', 'config');
    dir = parent;
  }
}

export interface LoadOptions<K extends SectionName> {
  sections?: readonly K[];
  /** Folder with the default section files (default: the shipped `config/`). */
  configDir?: string;
  /** A user YAML file whose top-level keys are section names; deep-merged over the defaults. */
  userFile?: string;
  env?: NodeJS.ProcessEnv;
}

const cache = new Map<string, unknown>();

/**
 * Loads and validates configuration sections. Only the requested sections are read, so a CLI
 * subcommand pays for what it uses; but whenever the user file is read, every section it overrides
 * is validated too, so a mistake in it stops any command, not only the one that uses that section.
 * The user file comes from `userFile` or `CONFIG_FILE`.
 */
export function loadConfig<K extends SectionName = SectionName>(options: LoadOptions<K> = {}): Pick<AppConfig, K> {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? env.CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const userFile = options.userFile ?? env.CONFIG_FILE;
  const sections = (options.sections ?? ALL_SECTIONS) as readonly K[];
  const cacheKey = (name: SectionName) => `${configDir}|${userFile ?? ''}|${name}`;
  // The user file is read once per call, and only when some section is not cached yet.
  let user: Record<string, unknown> | undefined;
  const readUser = (): Record<string, unknown> => {
    if (user) return user;
    const parsed = userFile ? readYamlFile(userFile, true) : {};
    if (!isPlainObject(parsed)) throw new ConfigError(userFile!, '', 'a mapping whose keys are section names');
    // Every top-level key must be a section: a misspelt one would otherwise be silently ignored.
    for (const key of Object.keys(parsed)) {
      if (!Object.hasOwn(SECTION_SCHEMAS, key)) throw new ConfigError(userFile!, key, unknownKey(key, ALL_SECTIONS, 'section'));
    }
    user = parsed;
    for (const name of Object.keys(parsed) as SectionName[]) {
      if (!cache.has(cacheKey(name))) cache.set(cacheKey(name), loadSection(name, configDir, userFile, parsed));
    }
    return user;
  };
  const out = {} as Pick<AppConfig, K>;
  for (const name of sections) {
    if (!cache.has(cacheKey(name))) {
      const overrides = readUser();
      if (!cache.has(cacheKey(name))) cache.set(cacheKey(name), loadSection(name, configDir, userFile, overrides));
    }
    (out as Record<string, unknown>)[name] = cache.get(cacheKey(name));
  }
  return out;
}

/** Reads one section's defaults, merges the user's override over them and validates the result. */
function loadSection(name: SectionName, configDir: string, userFile: string | undefined, overrides: Record<string, unknown>): unknown {
  const defaultsFile = path.join(configDir, `${name}.yaml`);
  const defaults = readYamlFile(defaultsFile, false) ?? {};
  // `images:` with nothing under it (null) overrides nothing.
  const override = overrides[name] ?? undefined;
  const merged = override === undefined ? defaults : deepMerge(defaults, override);
  const schema = SECTION_SCHEMAS[name] as z.ZodType;
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown key is named itself, not the object that holds it.
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const issuePath = unknown === undefined ? issue.path : [...issue.path, unknown];
  const blame = userFile !== undefined && override !== undefined && hasPath(override, issuePath) ? userFile : defaultsFile;
  // In the user file keys are written under their section; a defaults file is the section itself.
  const keyPath = (blame === userFile ? [name, ...issuePath] : issuePath).map(String).join('.');
  const expected = unknown === undefined ? describeIssue(issue) : unknownKey(unknown, knownKeysAt(schema, issue.path), 'key');
  throw new ConfigError(blame, keyPath, expected);
}

/** Forget cached sections (tests that write their own config files). */
export function clearConfigCache(): void {
  cache.clear();
}

function readYamlFile(file: string, required: boolean): unknown {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new ConfigError(file, '', stat.isDirectory() ? 'a YAML file, but this is a directory' : 'a regular YAML file');
    if (stat.size > MAX_CONFIG_FILE_BYTES) throw new ConfigError(file, '', `a file of at most ${MAX_CONFIG_FILE_BYTES} bytes (it has ${stat.size})`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    throw new ConfigError(file, '', readFailure(code, err));
  }
  try {
    return parseYaml(text, { uniqueKeys: true, maxAliasCount: MAX_YAML_ALIASES, prettyErrors: true }) ?? {};
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0] ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : '';
      throw new ConfigError(file, '', `valid YAML${where}: ${err.message.split('\n')[0]}`);
    }
    // The yaml package throws a plain ReferenceError for an alias bomb, and may throw others.
    throw new ConfigError(file, '', `valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

function readFailure(code: string | undefined, err: unknown): string {
  switch (code) {
    case 'ENOENT':
      return 'the file to exist';
    case 'EISDIR':
      return 'a YAML file, but this is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'a file this process may read (permission denied)';
    default:
      return `a readable file (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

function unknownKey(given: string, known: readonly string[], what: 'section' | 'key'): string {
  const suggestion = closest(given, known);
  if (suggestion) return `unknown ${what}; did you mean "${suggestion}"?`;
  return known.length ? `unknown ${what}; known ${what}s: ${known.join(', ')}` : `unknown ${what}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `expected ${issue.origin === 'string' ? 'a string of length' : 'a value'} >= ${String(issue.minimum)}`;
    case 'too_big':
      return `expected ${issue.origin === 'string' ? 'a string of length' : 'a value'} <= ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars from the override replace the default. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = k in base ? deepMerge(base[k], v) : v;
  }
  return out;
}

function hasPath(value: unknown, p: readonly PropertyKey[]): boolean {
  let cur: unknown = value;
  for (const key of p) {
    if (typeof cur !== 'object' || cur === null || !(String(key) in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[String(key)];
  }
  return true;
}
