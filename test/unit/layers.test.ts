// Layer rules (`npm run lint:layers`): the repository's own .dependency-cruiser.mjs, run over the fixture
// tree in test/fixtures/layers as base directory, reports every broken rule and nothing for allowed imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { fixture, repoRoot } from '../helpers/paths.js';

const LAYERS = ['cli', 'lab', 'runner', 'reports', 'collectors', 'core', 'model', 'scripts'];

let cached: Promise<ICruiseResult> | undefined;

/** The real config's cruise of the fixture tree (run once, shared by the tests). */
function cruiseFixtures(): Promise<ICruiseResult> {
  cached ??= (async () => {
    const tsConfigFile = path.join(repoRoot, 'tsconfig.json');
    const options = await extractDepcruiseOptions(path.join(repoRoot, '.dependency-cruiser.mjs'));
    const result = await cruise(
      LAYERS,
      { ...options, baseDir: fixture('layers'), tsConfig: { fileName: tsConfigFile } },
      {},
      { tsConfig: extractTSConfig(tsConfigFile) },
    );
    assert.equal(typeof result.output, 'object', 'cruise returns the result object');
    return result.output as ICruiseResult;
  })();
  return cached;
}

async function violations(): Promise<IViolation[]> {
  return (await cruiseFixtures()).summary.violations;
}

/** `rule: from -> to` for one-edge violations, `rule: a -> b -> a` for cycles. */
function violationText(v: IViolation): string {
  const via = v.cycle?.map((step) => step.name) ?? [v.to];
  return `${v.rule.name}: ${[v.from, ...via].join(' -> ')}`;
}

test('every layer rule is reported, at error severity, for exactly the imports that break it', async () => {
  const found = (await violations()).map(violationText).sort();
  assert.deepEqual(found, [
    'collectors-only-core-and-model: collectors/c.ts -> runner/clean.ts',
    'core-only-model: core/a.ts -> collectors/b.ts',
    'lab-not-cli: lab/l.ts -> cli/clean.ts',
    'model-imports-nothing-of-ours: model/bad.ts -> core/clean.ts',
    'no-circular: model/cycle-a.ts -> model/cycle-b.ts -> model/cycle-a.ts',
    'not-to-scripts-or-test: core/uses-test.ts -> test/helper.ts',
    'reports-not-collectors-or-runner: reports/r.ts -> collectors/b.ts',
    'runner-not-lab-reports-or-cli: runner/x.ts -> reports/clean.ts',
    'scripts-not-to-test: scripts/s.ts -> test/helper.ts',
  ]);
  for (const v of await violations()) assert.equal(v.rule.severity, 'error', violationText(v));
});

test('a type-only import counts: the cycle in model/ is held together by `import type` alone', async () => {
  const cycles = (await violations()).filter((v) => v.rule.name === 'no-circular');
  assert.ok(cycles.length > 0);
  for (const v of cycles) assert.ok(v.cycle?.every((step) => step.dependencyTypes.includes('type-only')), violationText(v));
});

test('allowed imports (layers below, node built-ins, npm packages) produce no violation', async () => {
  const clean = ['cli/clean.ts', 'lab/clean.ts', 'runner/clean.ts', 'reports/clean.ts', 'collectors/b.ts', 'core/clean.ts', 'model/clean.ts', 'scripts/clean.ts', 'test/helper.ts'];
  const { modules } = await cruiseFixtures();
  const cruised = new Set(modules.map((m) => m.source));
  for (const file of clean) assert.ok(cruised.has(file), `${file} was cruised`);
  const zod = modules.find((m) => m.source === 'model/clean.ts')?.dependencies.find((d) => d.module === 'zod');
  assert.ok(zod && !zod.couldNotResolve && zod.dependencyTypes.includes('npm'), 'model/clean.ts -> zod resolved as an npm package');
  const offenders = (await violations()).filter((v) => clean.includes(v.from)).map(violationText);
  assert.deepEqual(offenders, []);
});
