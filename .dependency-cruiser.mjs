// Layering rules, checked by `npm run lint:layers` (part of `npm test`).
// The layers and why they are ordered so: ARCHITECTURE.md, section "Layers".
// Top to bottom: cli, lab, runner, reports, collectors, core, model. A layer may
// import only layers below it, except that runner/ never imports reports/ and
// reports/ never imports collectors/. Each rule names what its layer must NOT import.
// Node built-ins and npm packages are allowed everywhere.
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'model-imports-nothing-of-ours',
      comment:
        'model/ is the shared vocabulary at the bottom of the stack: it imports no other folder of this repo (npm packages such as zod are fine). See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^model/' },
      to: { path: '^(cli|lab|runner|reports|collectors|core)/' }, // scripts/, test/: not-to-scripts-or-test
    },
    {
      name: 'core-only-model',
      comment:
        'core/ holds the tool-agnostic plumbing (bundles, processes, system probes, text helpers) and may import only model/. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(cli|lab|runner|reports|collectors)/' },
    },
    {
      name: 'collectors-only-core-and-model',
      comment:
        'collectors/ turn one tool\'s output into model/ measurements; they must not know about reports/, the runner/, the lab/ or the cli/. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^collectors/' },
      to: { path: '^(cli|lab|runner|reports)/' },
    },
    {
      name: 'reports-not-collectors-or-runner',
      comment:
        'reports/ work from saved bundles alone (core/ and model/), so a report never depends on how or by which collector the data was taken. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^reports/' },
      to: { path: '^(cli|lab|runner|collectors)/' },
    },
    {
      name: 'runner-not-lab-reports-or-cli',
      comment:
        'runner/ drives collectors/ over core/ and model/; it must not depend on the lab/, on reports/ or on the cli/. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^runner/' },
      to: { path: '^(cli|lab|reports)/' },
    },
    {
      name: 'lab-not-cli',
      comment:
        'lab/ (VM orchestration) sits under the cli/ and may use everything below it, never the cli/ itself. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^lab/' },
      to: { path: '^cli/' },
    },
    {
      name: 'not-to-scripts-or-test',
      comment:
        'Shipped code (cli, lab, runner, reports, collectors, core, model) never imports scripts/ or test/: they are not part of the build users run. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^(cli|lab|runner|reports|collectors|core|model)/' },
      to: { path: '^(scripts|test)/' },
    },
    {
      name: 'scripts-not-to-test',
      comment:
        'scripts/ are developer tools built on the shipped layers; they never import test/ code. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycles anywhere, type-only imports included: a cycle hides a layering mistake and makes load order fragile. See ARCHITECTURE.md, "Layers".',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // npm packages are allowed everywhere: seen as leaves, never cruised into.
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)dist/' },
    // `import type` edges count too (they are real design dependencies).
    tsPreCompilationDeps: true,
    // Lets `./x.js` specifiers (NodeNext style) resolve to `./x.ts`.
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve npm subpath exports such as 'csv-stringify/sync'.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
