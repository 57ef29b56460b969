// compare --across PARAM=VALUE (issue 11 item 10) and --vs-pass (item 11, review m7), on bundles
// built in the test (plain data: the format and the statistics are what is tested).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PassKind, Sample } from '../../model/measurement.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { testManifest } from '../helpers/bundles.js';
import { oneErrorLine, runCli, withTempDir } from '../helpers/cli.js';
import { cellKeyWithout, compareAcross, parseAcross, SelectionError } from '../../reports/compare/across.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { renderText } from '../../reports/render/text.js';

const P50 = [812, 805, 820, 809, 815];

interface CellSpec {
  api: string;
  segs: number;
  /** Factor on every value of the cell; null: the cell has no samples (link on 6.12). */
  factor: number | null;
}

function cellOf(spec: CellSpec): { workload: string; cell: string; tool: string; params: Record<string, unknown> } {
  const params = { api: spec.api, size: '64k', segs: spec.segs, threads: 1 };
  return { workload: 'map-64k', cell: `map-64k:api=${spec.api},size=64k,segs=${spec.segs},threads=1`, tool: 'microbench', params };
}

function bundleOf(specs: CellSpec[], passes: { pass: PassKind; reps: number }[] = [{ pass: 'timed', reps: 5 }]): LoadedBundle {
  const manifest = testManifest('7.2');
  manifest.cells = specs.map(cellOf);
  const samples: Sample[] = [];
  for (const spec of specs) {
    if (spec.factor === null) continue;
    const { workload, cell } = cellOf(spec);
    for (const { pass, reps } of passes) {
      const factor = spec.factor * (pass === 'timed' ? 1 : 1.2);
      for (let rep = 0; rep < reps; rep++) {
        samples.push({ workload, cell, rep, pass, tool: 'microbench', metric: 'total.p50', value: P50[rep % P50.length]! * factor * spec.segs, unit: 'ns', better: 'lower' });
        samples.push({ workload, cell, rep, pass, tool: 'microbench', metric: 'total.max', value: 9000 * factor, unit: 'ns', better: 'lower' });
      }
    }
  }
  return { dir: '/bundles/7.2', manifest, samples };
}

const SPECS: CellSpec[] = [
  { api: 'sg', segs: 1, factor: 1 },
  { api: 'link', segs: 1, factor: null },
  { api: 'phys', segs: 1, factor: 1 },
  { api: 'sg', segs: 16, factor: 1 },
  { api: 'link', segs: 16, factor: 0.8 },
  { api: 'phys', segs: 16, factor: 1.3 },
];

test('--across api=sg: the sg cells are the base, link and phys cells with the same other parameters are the candidates', () => {
  const c = compareAcross(bundleOf(SPECS), { param: 'api', value: 'sg' });
  assert.deepEqual(
    c.bundles.map((b) => [b.label, b.selection, b.sampleCount]),
    [
      ['api=sg', 'api=sg, pass timed', 20],
      ['api=link', 'api=link, pass timed', 10],
      ['api=phys', 'api=phys, pass timed', 20],
    ],
  );
  assert.deepEqual(c.options.across, { param: 'api', value: 'sg' });
  const p50 = c.rows.filter((r) => r.metric === 'total.p50');
  assert.deepEqual(p50.map((r) => r.cell), ['map-64k:segs=1,size=64k,threads=1', 'map-64k:segs=16,size=64k,threads=1'], 'cells matched without api, in plan order');
  const [one, sixteen] = p50;
  assert.equal(one!.candidates[0], null, 'no link cell with one segment has samples');
  assert.equal(one!.candidates[1]!.verdict, 'no difference');
  const link = sixteen!.candidates[0]!;
  assert.ok(Math.abs(link.changePct! + 20) < 1e-9, `link -20%: ${link.changePct}`);
  assert.equal(link.verdict, 'improvement');
  assert.equal(sixteen!.candidates[1]!.verdict, 'regression');
  // The same statistics as across bundles: descriptive rows are not tested, q per candidate.
  assert.equal(c.rows.find((r) => r.metric === 'total.max')!.candidates[1]!.verdict, 'not tested');
  assert.equal(link.q, link.mannWhitney!.p, 'one primary row with link: q = p');
  assert.deepEqual(
    c.unmatched.map((u) => `${u.cell} ${u.metric} ${u.presentIn.join(',')}`),
    ['map-64k:segs=1,size=64k,threads=1 total.max 0,2', 'map-64k:segs=1,size=64k,threads=1 total.p50 0,2'],
  );
  const text = renderText(c);
  assert.match(text, /== api=sg \(base\) vs api=link ==/);
  assert.match(text, /== api=sg \(base\) vs api=phys ==/);
  assert.match(text.replace(/\s+/g, ' '), /cells of one bundle with api=sg \(base\) against the cells identical but for api, pass 'timed'/);
});

test('--across works for any matrix parameter, numbers included', () => {
  const c = compareAcross(bundleOf(SPECS), parseAcross('segs=1'));
  assert.deepEqual(c.bundles.map((b) => b.label), ['segs=1', 'segs=16']);
  const sg = c.rows.find((r) => r.metric === 'total.p50' && r.cell === 'map-64k:api=sg,size=64k,threads=1')!;
  assert.ok(Math.abs(sg.candidates[0]!.changePct! - 1500) < 1e-6, '16 segments cost 16 times one here');
  assert.equal(cellKeyWithout('w', { a: 1 }, 'a', 'fio'), 'w');
  // The reduced key follows the rule of every cell key: names in order, machine-specific ones left out.
  assert.equal(cellKeyWithout('m', { size: '64k', device: '0000:01:00.0', api: 'sg', dir: 'to_device' }, 'api', 'microbench'), 'm:dir=to_device,size=64k');
});

test('--across refuses what the bundle does not have, naming what it has', () => {
  const b = bundleOf(SPECS);
  assert.throws(() => compareAcross(b, { param: 'bs', value: '4k' }), (e: Error) => e instanceof SelectionError && /no cell of \/bundles\/7\.2 has a parameter 'bs' \(its cells have: api, segs, size, threads\)/.test(e.message));
  assert.throws(() => compareAcross(b, { param: 'api', value: 'dma' }), /has api=sg, api=link, api=phys/);
  assert.throws(() => compareAcross(b, { param: 'size', value: '64k' }), /every cell .* has size=64k: there is nothing to compare it with/);
  for (const bad of ['api', '=sg', 'api=']) assert.throws(() => parseAcross(bad), SelectionError);
});

test('--vs-pass: one bundle against itself, its timed pass against a profile pass', () => {
  const b = bundleOf(SPECS, [
    { pass: 'timed', reps: 5 },
    { pass: 'profile:ftrace', reps: 5 },
  ]);
  const c = compareBundles([b], { pass: 'timed', vsPass: 'profile:ftrace' });
  assert.deepEqual(c.bundles.map((x) => [x.label, x.selection]), [['7.2 timed', 'pass timed'], ['7.2 profile:ftrace', 'pass profile:ftrace']]);
  const row = c.rows.find((r) => r.metric === 'total.p50' && r.cell.includes('api=sg,size=64k,segs=16'))!;
  assert.ok(Math.abs(row.candidates[0]!.changePct! - 20) < 1e-9, 'tracing made it 20% slower');
  assert.equal(row.candidates[0]!.verdict, 'regression');
  // One profile repetition per cell, as the runner plans them today: nothing can be concluded.
  const once = compareBundles([bundleOf(SPECS, [{ pass: 'timed', reps: 5 }, { pass: 'profile:ftrace', reps: 1 }])], { vsPass: 'profile:ftrace' });
  const single = once.rows.find((r) => r.metric === 'total.p50')!.candidates[0]!;
  assert.equal(single.verdict, 'n too small');
  assert.match(single.reason, /needs at least 2 values per group \(base 5, candidate 1\)/);
});

async function writeBundle(dir: string, bundle: LoadedBundle): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(bundle.manifest));
  await writeFile(path.join(dir, 'samples.jsonl'), bundle.samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

test('CLI: compare BUNDLE --across and --vs-pass; wrong combinations are bad input (2)', async () => {
  await withTempDir('dmabench-across-', async (dir) => {
    const one = path.join(dir, 'one');
    await writeBundle(one, bundleOf(SPECS, [{ pass: 'timed', reps: 5 }, { pass: 'profile:ftrace', reps: 5 }]));
    const across = await runCli(['compare', one, '--across', 'api=sg', '--format', 'text']);
    assert.equal(across.exitCode, 0, String(across.stderr));
    assert.match(String(across.stdout), /== api=sg \(base\) vs api=link ==/);
    const fail = await runCli(['compare', one, '--across', 'api=sg', '--fail-on-regression', '5']);
    assert.equal(fail.exitCode, 1, 'phys is 30% slower with 16 segments');
    assert.match(oneErrorLine(fail.stderr), /: api=phys: map-64k:segs=16,size=64k,threads=1 total\.p50, whole/);
    const vs = await runCli(['compare', one, '--vs-pass', 'profile:ftrace', '--format', 'csv']);
    assert.equal(vs.exitCode, 0, String(vs.stderr));
    assert.match(String(vs.stdout), /7\.2 profile:ftrace/);

    const cases: [string[], RegExp][] = [
      [['compare', one], /compare needs a base and at least one candidate bundle \(or one bundle with --across PARAM=VALUE or --vs-pass PASS\)/],
      [['compare', one, one, '--across', 'api=sg'], /--across compares cells within one bundle: give one bundle directory, not 2/],
      [['compare', one, '--across', 'api=sg', '--vs-pass', 'warmup'], /--across and --vs-pass do not go together/],
      [['compare', one, '--across', 'bs=4k'], /has a parameter 'bs'/],
      [['compare', one, '--across', 'api'], /--across takes PARAM=VALUE/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${String(r.stderr)}`);
      assert.match(oneErrorLine(r.stderr), message);
    }
  });
});

/** The bundle's link cells as a run where link fell back to per-range mapping names them (collectors/microbench/metrics.ts). */
function withLinkFallback(b: LoadedBundle): LoadedBundle {
  return { ...b, samples: b.samples.map((s) => (s.cell.includes(':api=link,') ? { ...s, metric: `fallback.${s.metric}` } : s)) };
}

test('a fallback is never compared with a real link result across bundles; --across lines it up with a note', () => {
  const strict = bundleOf(SPECS);
  const passthrough = { ...withLinkFallback(bundleOf(SPECS)), dir: '/bundles/7.2-pt' };
  const c = compareBundles([strict, passthrough]);
  const linkRows = c.rows.filter((r) => r.cell.includes(':api=link,'));
  assert.deepEqual(linkRows, [], 'no row pits link against its fallback');
  assert.ok(c.unmatched.some((u) => u.cell.includes(':api=link,') && u.metric === 'fallback.total.p50' && u.presentIn.join() === '1'));
  assert.ok(c.unmatched.some((u) => u.cell.includes(':api=link,') && u.metric === 'total.p50' && u.presentIn.join() === '0'));

  const across = compareAcross(passthrough, { param: 'api', value: 'sg' });
  const row = across.rows.find((r) => r.metric === 'total.p50' && r.cell === 'map-64k:segs=16,size=64k,threads=1')!;
  assert.ok(row.candidates[0], 'the link cell (its fallback) is compared with sg on purpose');
  assert.ok(row.notes.includes("api=link's values are fallback.total.p50: another path than its cell asked for ran"), row.notes.join(' | '));
  assert.ok(!row.notes.some((n) => n.startsWith('api=phys')), 'phys ran what it asked for');
});
