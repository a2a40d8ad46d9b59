import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { SECTION_SCHEMAS } from './sections.js';

export type SectionName = keyof typeof SECTION_SCHEMAS;
export type AppConfig = { [K in SectionName]: z.infer<(typeof SECTION_SCHEMAS)[K]> };
export const ALL_SECTIONS = Object.keys(SECTION_SCHEMAS) as SectionName[];

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
 * subcommand pays for what it uses. The user file comes from `userFile` or `CONFIG_FILE`.
 */
export function loadConfig<K extends SectionName = SectionName>(options: LoadOptions<K> = {}): Pick<AppConfig, K> {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? env.CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const userFile = options.userFile ?? env.CONFIG_FILE;
  const sections = (options.sections ?? ALL_SECTIONS) as readonly K[];
  // The user file is read once per call, and only when some section is not cached yet.
  let user: Record<string, unknown> | undefined;
  const readUser = (): Record<string, unknown> => {
    if (user) return user;
    const parsed = userFile ? readYamlFile(userFile, true) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(userFile!, '', 'a mapping whose keys are section names');
    }
    return (user = parsed as Record<string, unknown>);
  };
  const out = {} as Pick<AppConfig, K>;
  for (const name of sections) {
    const cacheKey = `${configDir}|${userFile ?? ''}|${name}`;
    if (cache.has(cacheKey)) {
      (out as Record<string, unknown>)[name] = cache.get(cacheKey);
      continue;
    }
    const defaultsFile = path.join(configDir, `${name}.yaml`);
    const defaults = readYamlFile(defaultsFile, false) ?? {};
    const override = readUser()[name];
    const merged = override === undefined ? defaults : deepMerge(defaults, override);
    const schema = SECTION_SCHEMAS[name] as z.ZodType;
    const result = schema.safeParse(merged);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const keyPath = issue.path.map(String).join('.');
      const blame = override !== undefined && hasPath(override, issue.path) ? userFile! : defaultsFile;
      const prefix = blame === userFile ? `${name}.` : '';
      throw new ConfigError(blame, prefix + keyPath, describeIssue(issue));
    }
    cache.set(cacheKey, result.data);
    (out as Record<string, unknown>)[name] = result.data;
  }
  return out;
}

/** Forget cached sections (tests that write their own config files). */
export function clearConfigCache(): void {
  cache.clear();
}

function readYamlFile(file: string, required: boolean): unknown {
  if (!existsSync(file)) {
    if (required) throw new ConfigError(file, '', 'the file to exist');
    return undefined;
  }
  const text = readFileSync(file, 'utf8');
  try {
    return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) ?? {};
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0] ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : '';
      throw new ConfigError(file, '', `valid YAML${where}: ${err.message.split('\n')[0]}`);
    }
    throw err;
  }
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
    case 'unrecognized_keys':
      return `unknown key(s) ${issue.keys.join(', ')}`;
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
