import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Import boundaries (issue 14, DESIGN.md "Data flow"): the rules of .dependency-cruiser.cjs over
 * src/, plus what dependency-cruiser cannot see — imports by a computed name below the composition
 * root, files outside every layer, files over 500 lines. The fixture tree proves each rule fires.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'arch', 'fixtures', 'violations');
const MAX_LINES = 500;

const config = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions;
  layers: Record<string, string>;
};

interface Finding {
  rule: string;
  from: string;
  to?: string;
  detail?: string;
}

/**
 * Known violations in lead-owned code (src/engine, src/bots), allowed while the engine and bots
 * are rewritten (issue 14). Each entry must still occur: once it is fixed, the test fails until the
 * entry is removed here.
 */
const ALLOWED: (Finding & { why: string })[] = [];

const sameFinding = (a: Finding, b: Finding) => a.rule === b.rule && a.from === b.from && (a.to === undefined || b.to === undefined || a.to === b.to);

function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `  ${f.rule}: ${f.from}${f.to ? ` → ${f.to}` : ''}${f.detail ? ` (${f.detail})` : ''}`).join('\n');
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...sourceFiles(file));
    else if (file.endsWith('.ts')) out.push(file);
  }
  return out;
}

/** `import(x)` whose specifier is not a literal: an edge no checker can follow. */
function computedImports(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (!arg || !(ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) {
        lines.push(source.getLineAndCharacterOfPosition(node.getStart()).line + 1);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

/** A file inside a package (wherever node_modules is, symlinks resolved) → the package's name. */
function packageName(resolved: string): string {
  return resolved.replace(/^.*\bnode_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
}

/** Every rule over the `src/` folder of `baseDir`. */
async function check(baseDir: string): Promise<Finding[]> {
  const { tsConfig: _file, ...options } = config.options;
  const { output } = await cruise(
    ['src'],
    { ...options, baseDir, ruleSet: { forbidden: config.forbidden }, validate: true },
    undefined,
    { tsConfig: extractTSConfig(path.join(ROOT, 'tsconfig.json')) },
  );
  const result = output as ICruiseResult;
  const findings: Finding[] = result.summary.violations.map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: packageName(v.to),
    ...(v.cycle ? { detail: `cycle ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')}` } : {}),
  }));

  const layers = Object.entries(config.layers).map(([name, pattern]) => ({ name, re: new RegExp(pattern) }));
  for (const file of sourceFiles(path.join(baseDir, 'src'))) {
    const rel = path.relative(baseDir, file).split(path.sep).join('/');
    const owners = layers.filter((l) => l.re.test(rel)).map((l) => l.name);
    if (owners.length !== 1) findings.push({ rule: 'in-a-layer', from: rel, detail: owners.length ? `in ${owners.join(' and ')}` : 'in no layer' });
    // The composition root may wire by name (subcommands, bots); below it every edge must be visible.
    if (!owners.includes('top')) {
      for (const line of computedImports(file)) findings.push({ rule: 'no-hidden-dynamic-import', from: rel, detail: `line ${line}` });
    }
    const lines = readFileSync(file, 'utf8').split('\n').length;
    if (lines > MAX_LINES) findings.push({ rule: 'max-lines', from: rel, detail: `${lines} lines > ${MAX_LINES}` });
  }
  return findings;
}

describe('import boundaries', () => {
  it('src/ keeps its layers: nothing imports upward, no cycles, no platform SDK below the bots', async () => {
    const findings = await check(ROOT);
    const unexpected = findings.filter((f) => !ALLOWED.some((a) => sameFinding(a, f)));
    expect(unexpected, `boundary violations in src/:\n${describeFindings(unexpected)}\n(rules: .dependency-cruiser.cjs)`).toEqual([]);
    const stale = ALLOWED.filter((a) => !findings.some((f) => sameFinding(a, f)));
    expect(stale, `fixed, so remove from ALLOWED in test/arch/boundaries.test.ts:\n${describeFindings(stale)}`).toEqual([]);
  });

  it('the same rules catch every kind of violation in the fixture tree, and only those', async () => {
    const findings = await check(FIXTURE);
    const keys = findings.map((f) => `${f.rule}: ${f.from}${f.to ? ` → ${f.to}` : ''}`).sort();
    expect(keys, describeFindings(findings)).toEqual(
      [
        'base-imports-upward: src/core/leak.ts → src/engine/run.ts',
        'providers-import-upward: src/providers/client.ts → src/pipeline/steps.ts',
        'pipeline-imports-upward: src/pipeline/up.ts → src/engine/run.ts',
        'engine-imports-upward: src/engine/run.ts → src/bots/chat.ts',
        'bots-import-upward: src/bots/chat.ts → src/app.ts',
        'no-circular: src/pipeline/ring-a.ts → src/pipeline/ring-b.ts',
        'no-platform-sdk-below-bots: src/pipeline/steps.ts → discord.js',
        'no-unresolvable: src/pipeline/broken.ts → ./missing.js',
        'no-hidden-dynamic-import: src/engine/run.ts',
        'in-a-layer: src/misc/orphan.ts',
      ].sort(),
    );
  });
});
