// The comparison table's JSON (reports/html/table-data.ts), decoded as the page's table script
// decodes it, says exactly what compare says and the text reports print: every entry's texts,
// its reason (stored with its interval as a placeholder), its repetitions and its sort keys. On
// the real lab bundles: 6.12 against 7.2, and with a third bundle of another workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../core/bundle/read.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { rowRepetitions } from '../../reports/html/repetitions.js';
import { INTERVAL_PLACEHOLDER, tableData, type Shown } from '../../reports/html/table-data.js';
import { chooseScale, formatCi, formatCov, formatNumber, formatP, formatPct } from '../../reports/render/format.js';
import { fixture } from '../helpers/paths.js';

/** What the page prints for a Shown (table-script.ts `shown`). */
const text = (v: Shown): string => (typeof v === 'number' ? String(v) : v);

for (const names of [
  ['lab-profile-schema2-6.12', 'lab-profile-schema2-7.2'],
  ['lab-profile-schema2-6.12', 'lab-profile-schema2-7.2', 'lab-rxe-7.2'],
]) {
  test(`the table's JSON decodes to what compare says: ${names.join(' v ')}`, async () => {
    const bundles = await Promise.all(names.map((n) => readBundle(fixture('bundles', n))));
    const c = compareBundles(bundles);
    const data = tableData(c, rowRepetitions(c, bundles));
    const e = data.entries;
    const S = data.strings;
    assert.deepEqual(data.labels, c.bundles.map((b) => b.label));
    assert.equal(data.columns.includes('candidate'), names.length > 2, 'a candidate column only with several candidates');
    let i = 0;
    for (const row of c.rows) {
      const scale = chooseScale(row.unit, row.base.median);
      for (const cand of row.candidates) {
        if (!cand) continue;
        const what = `${row.cell} ${row.metric} (${i})`;
        assert.equal(e.side[i], cand.bundle, what);
        assert.equal(S[e.workload[i]!], row.workload, what);
        assert.ok(row.cell.endsWith(S[e.cell[i]!]!), what);
        assert.equal(S[e.metric[i]!], row.metric, what);
        assert.equal(S[e.verdict[i]!], cand.verdict, what);
        assert.equal(text(e.base[i]!), formatNumber(row.base.median, scale), what);
        if (cand.unit === row.unit) assert.equal(text(e.cand[i]!), formatNumber(cand.stats.median, scale), what);
        assert.equal(S[e.baseCov[i]!], `CoV ${formatCov(row.base.covPct)}`, what);
        assert.equal(e.change[i], `${formatPct(cand.changePct)}${cand.significant ? '*' : ''}`, what);
        assert.equal(e.ci[i], formatCi(cand.ci), what);
        assert.equal(e.q[i], formatP(cand.q), what);
        assert.equal(S[e.reason[i]!]!.split(INTERVAL_PLACEHOLDER).join(e.ci[i]!), cand.reason, `${what}: the reason, its interval put back`);
        assert.equal(e.changeKey[i], cand.changePct === null ? null : Number(cand.changePct.toPrecision(4)), what);
        assert.equal(e.baseKey[i], row.base.median === null ? null : Number(row.base.median.toPrecision(4)), what);
        // The repetitions: each side's values of this row as the bundles hold them, formatted in the row's unit.
        const reps = data.repNumbers[e.repNumbers[i]!]!;
        for (const [side, shown] of [
          [0, e.repsBase[i]!],
          [cand.bundle, e.repsCand[i]!],
        ] as const) {
          const samples = bundles[side]!.samples.filter((s) => s.pass === 'timed' && s.workload === row.workload && s.cell === row.cell && s.metric === row.metric);
          const expected = reps.map((rep) => {
            const s = samples.find((x) => x.rep === rep);
            return !s ? 'not run' : s.value === null ? 'absent' : formatNumber(s.value, scale);
          });
          assert.deepEqual(shown.map(text), expected, `${what}: side ${side}`);
        }
        i++;
      }
    }
    assert.equal(e.side.length, i, 'one entry per row and candidate, in compare order');
    assert.ok(i > 0);
  });
}
