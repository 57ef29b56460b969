// Every parser survives bad input (issue 10, item 9). Each parser gets DMABENCH_FUZZ_CASES
// (default 1000) mutated copies of its real fixtures; the file-level `dmabench ingest` path a
// tenth of that per tool. Every case must end in a ParseError or in plausible measurements
// (test/helpers/fuzz/plausible.ts); any other exception, a NaN, an infinity, an impossible
// value or a case running past the watchdog is a finding, printed with the seed that reproduces it.
// The seed is random unless DMABENCH_FUZZ_SEED is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { casesFor, fuzzConfigFromEnv } from '../helpers/fuzz/cases.js';
import { formatFindings, fuzzTargets } from '../helpers/fuzz/run.js';
import { allTargets } from '../helpers/fuzz/targets.js';

const config = fuzzConfigFromEnv();
const targets = config.only ? allTargets.filter((t) => t.name === config.only!.target) : allTargets;
if (targets.length === 0) throw new Error(`DMABENCH_FUZZ_ONLY=${config.only!.target}: no such target (${allTargets.map((t) => t.name).join(', ')})`);
const parallel = Number(process.env.DMABENCH_FUZZ_WORKERS ?? Math.min(2, os.availableParallelism()));
const t0 = performance.now();
const reports = fuzzTargets(targets, config, parallel);

for (const target of targets) {
  test(`fuzz ${target.name}: mutated real captures end in a ParseError or plausible measurements (seed ${config.seed})`, async (t) => {
    const r = await reports.get(target.name)!;
    t.diagnostic(
      `seed ${r.seed}: ${r.cases} cases from ${r.seeds} captures, ${r.parseErrors} ParseError, ${r.accepted} accepted, slowest ${r.slowestMs.toFixed(0)} ms, ${(r.wallMs / 1000).toFixed(1)} s`,
    );
    assert.equal(r.findings.length, 0, formatFindings(r));
    // Every case ran: 1,000 per parser by default (a tenth, at least 50, through ingest).
    assert.equal(r.cases, config.only?.index !== undefined ? 1 : casesFor(target.share, config.cases));
    // The plausibility checks ran on real parse results, not only on rejected input (the real
    // captures come first; a run of one chosen case may well be refused).
    if (config.only?.index === undefined) assert.ok(r.accepted > 0, `${target.name}: no case was accepted (did the fixtures stop parsing?)`);
    if (target === targets[targets.length - 1]) {
      await Promise.all(reports.values());
      t.diagnostic(`seed ${config.seed}: all targets in ${((performance.now() - t0) / 1000).toFixed(1)} s with ${parallel} workers`);
    }
  });
}
