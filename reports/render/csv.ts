// One CSV row per (workload, cell, metric, candidate), raw numbers at full precision, for
// spreadsheets and plotting. Empty fields mean "absent", never 0.
import { stringify } from 'csv-stringify/sync';
import type { Comparison, GroupStats } from '../compare/types.js';
import { warningLines } from './warnings.js';

export const CSV_COLUMNS = [
  'workload', 'cell', 'metric', 'unit', 'better', 'role', 'tool',
  'base_label', 'base_n', 'base_missing', 'base_median', 'base_mean', 'base_stdev', 'base_cov_pct', 'base_min', 'base_max', 'base_boots',
  'cand_label', 'cand_n', 'cand_missing', 'cand_median', 'cand_mean', 'cand_stdev', 'cand_cov_pct', 'cand_min', 'cand_max', 'cand_boots',
  'change_pct', 'ci_low_pct', 'ci_high_pct', 'ci_level', 'ci_method',
  'mw_u', 'mw_p', 'mw_method', 'mw_ties', 'mw_smallest_p', 'q', 'significant', 'verdict', 'reason', 'settle_replicates', 'settle_unit',
] as const;

type Cell = string | number | boolean | null;

function groupCells(s: GroupStats): Cell[] {
  return [s.n, s.missing, s.median, s.mean, s.stdev, s.covPct, s.min, s.max, s.boots];
}

export function renderCsv(c: Comparison): string {
  const records: Cell[][] = [];
  for (const row of c.rows) {
    row.candidates.forEach((cand) => {
      if (!cand) return;
      const mw = cand.mannWhitney;
      records.push([
        row.workload, row.cell, row.metric, row.unit, row.better, row.role, row.tool,
        c.bundles[0]!.label, ...groupCells(row.base),
        c.bundles[cand.bundle]!.label, ...groupCells(cand.stats),
        cand.changePct, cand.ci?.lowPct ?? null, cand.ci?.highPct ?? null, cand.ci?.level ?? null, cand.ci?.method ?? null,
        mw?.u ?? null, mw?.p ?? null, mw?.method ?? null, mw?.ties ?? null, mw?.smallestP ?? null, cand.q,
        cand.significant, cand.verdict, cand.reason, cand.settle?.replicates ?? null, cand.settle?.unit ?? null,
      ]);
    });
  }
  // Warnings first, as `#` comment lines (csv-parse `comment: '#'`, pandas `comment='#'` skip them).
  const warnings = warningLines(c).map((l) => `# ${l.trim()}\n`).join('');
  return warnings + stringify(records, {
    header: true,
    columns: [...CSV_COLUMNS],
    cast: {
      // Full round-trip precision; csv-stringify's default would also do this, but say it.
      number: (v) => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'),
      boolean: (v) => (v ? 'true' : 'false'),
    },
  });
}
