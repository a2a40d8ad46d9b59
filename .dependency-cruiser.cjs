/**
 * Import boundaries (DESIGN.md "Data flow"; issue 14). Dependencies point down only:
 *
 *   top        src/app.ts, src/compose.ts, src/cli/, src/doctor.ts, src/eval/   (composition root and tools)
 *   bots       src/bots/, src/server/
 *   engine     src/engine/
 *   pipeline   src/pipeline/   (pure logic, planning included)
 *   providers  src/providers/  (clients of outside services and models)
 *   base       src/core/, src/config/, src/i18n/, src/util/
 *
 * Nothing imports a layer above its own (type-only imports included: `tsPreCompilationDeps`),
 * there are no import cycles, and the engine, the pipeline, the providers and the base never
 * import a platform SDK. test/arch/boundaries.test.ts runs these rules over src/ in `npm test`,
 * and over test/arch/fixtures/ to prove they catch violations. By hand (Node ≥ 22):
 * `npx depcruise src --config .dependency-cruiser.cjs`.
 */
const path = require('node:path');

const at = (...parts) => `^src/(${parts.join('|')})`;

const LAYERS = {
  top: at('app\\.ts$', 'compose\\.ts$', 'cli/', 'doctor\\.ts$', 'eval/'),
  bots: at('bots/', 'server/'),
  engine: at('engine/'),
  pipeline: at('pipeline/'),
  providers: at('providers/'),
  base: at('core/', 'config/', 'i18n/', 'util/'),
};
const SDK = '(discord\\.js|@slack/bolt|@larksuiteoapi/node-sdk)';
// Resolved into a node_modules folder (wherever it is), or the bare name when it cannot be resolved.
const PLATFORM_SDKS = [`(^|/)node_modules/${SDK}/`, `^${SDK}($|/)`];

/** A rule that forbids the modules of layer `from` to import any module of the layers `above`. */
function upward(name, from, above, comment) {
  return { name, severity: 'error', comment, from: { path: LAYERS[from] }, to: { path: above.map((l) => LAYERS[l]) } };
}

module.exports = {
  forbidden: [
    upward('base-imports-upward', 'base', ['top', 'bots', 'engine', 'pipeline', 'providers'], 'base (core, config, i18n, util) imports nothing above it'),
    upward('providers-import-upward', 'providers', ['top', 'bots', 'engine', 'pipeline'], 'providers import only the base'),
    upward('pipeline-imports-upward', 'pipeline', ['top', 'bots', 'engine'], 'the pipeline imports only providers and the base'),
    upward('engine-imports-upward', 'engine', ['top', 'bots'], 'the engine imports only the pipeline, providers and the base'),
    upward('bots-import-upward', 'bots', ['top'], 'bots and the HTTP server do not import the composition root or the tools'),
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycles',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-platform-sdk-below-bots',
      severity: 'error',
      comment: 'only the bots talk to Discord, Slack or Feishu',
      from: { path: [LAYERS.engine, LAYERS.pipeline, LAYERS.providers, LAYERS.base] },
      to: { path: PLATFORM_SDKS },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'an import the checker cannot resolve is an edge it cannot check',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Packages are dependencies (the SDK rule needs them) but are not cruised themselves.
    doNotFollow: { path: '(^|/)node_modules/' },
    // Type-only imports tie layers together as much as value imports do.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
      // NodeNext: `./x.js` in a .ts file is ./x.ts.
      extensionAlias: { '.js': ['.ts', '.js'] },
      // Also from trees cruised with another baseDir (the test fixtures).
      modules: ['node_modules', path.join(__dirname, 'node_modules')],
    },
  },
};

// For the test (every file of src/ must be in exactly one layer); not enumerable, so
// dependency-cruiser's own configuration schema never sees it.
Object.defineProperty(module.exports, 'layers', { value: LAYERS, enumerable: false });
