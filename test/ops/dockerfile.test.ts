import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine or hadolint on the build machines: the Dockerfile's essentials are checked as
 * text, so removing one of them fails here.
 */
const root = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
/** Instructions with line continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\r?\n/g, ' ')
  .split(/\r?\n/)
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM\s/i.test(l));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

describe('Dockerfile', () => {
  it('is multi-stage: builds in one image, runs from a fresh one copying only the results', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/\sAS\s+\w+/i);
    expect(runtime.some((l) => /^COPY\s+--from=/i.test(l))).toBe(true);
    // The compiler toolchain stays in the build stage.
    expect(runtime.some((l) => /apt-get install.*(g\+\+|make|python3)/.test(l))).toBe(false);
  });

  it('installs exactly the lockfile with npm ci, with .npmrc present so onnxruntime-node skips its CUDA download', () => {
    const build = instructions.slice(0, instructions.indexOf(stages[1]!));
    const ci = build.findIndex((l) => /^RUN\s.*\bnpm ci\b/.test(l));
    expect(ci).toBeGreaterThan(-1);
    const npmrc = build.findIndex((l) => /^COPY\s.*\.npmrc/.test(l));
    expect(npmrc).toBeGreaterThan(-1);
    expect(npmrc).toBeLessThan(ci);
    expect(readFileSync(path.join(root, '.npmrc'), 'utf8')).toMatch(/onnxruntime-node-install\s*=\s*skip/);
    expect(build.some((l) => /^COPY\s.*package-lock\.json/.test(l))).toBe(true);
    // A TypeScript error must fail the image build, not ship an image without dist/.
    expect(build.some((l) => /^RUN\s.*\bnpm run build\b/.test(l))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = runtime.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
  });

  it('keeps DATA_DIR (state, revisions, model cache) in a volume', () => {
    const dataDir = /DATA_DIR=(\S+)/.exec(runtime.filter((l) => /^ENV\s/i.test(l)).join(' '))?.[1];
    expect(dataDir).toBeTruthy();
    const volume = runtime.find((l) => /^VOLUME\s/i.test(l));
    expect(volume).toBeDefined();
    expect(volume).toContain(dataDir!);
  });

  it('has a health check on /healthz and starts serve', () => {
    const health = runtime.find((l) => /^HEALTHCHECK\s/i.test(l));
    expect(health).toMatch(/\/healthz/);
    expect(runtime.find((l) => /^(CMD|ENTRYPOINT)\s/i.test(l) && /serve/.test(l))).toBeDefined();
    expect(runtime.some((l) => /^EXPOSE\s+8787/.test(l))).toBe(true);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'data']) expect(ignore).toContain(entry);
  });
});
