// The comparison table's rows as compact JSON (issue 13 items 3 and 10): the page's table script
// (table-script.ts) builds the rows from it in the browser, a chunk at a time, and a row's
// repetitions only when it is opened. As static markup the table of a 146-cell campaign (3 700
// rows, each with its hidden repetitions) was 7 MiB and most of the page's parsing time; as this
// JSON it is a few hundred bytes a row.
// Column-oriented (one array per column, an entry's values at one index across them), and the
// texts that repeat (workload, cell, metric, role, unit, n, CoV, verdict, level, notes, boot ids)
// interned into one string table the columns refer to by index. Every number is formatted here,
// by the same functions as the text reports (render/format.ts), so the page shows what
// `compare` prints; the only numbers left are the sort keys, rounded to the 4 significant digits
// the table shows. Every string reaches the page's DOM as text (table-script.ts), never markup.
import type { CandidateResult, Comparison, ComparisonRow } from '../compare/types.js';
import { rowKey } from '../compare/compare.js';
import { chooseScale, formatCi, formatCov, formatLevel, formatNumber, formatP, formatPct, type Scale } from '../render/format.js';
import type { RowRepetitions } from './repetitions.js';

/** The id of the data block holding the TableData the table script builds the rows from. */
export const TABLE_DATA_ID = 'dmabench-table';

/**
 * A number as the table shows it: the number itself when JavaScript prints it as `formatNumber`
 * did (String(n) in the page gives the same text back, and the JSON is shorter), else the text.
 */
export type Shown = number | string;

/**
 * The boot one side's values of an entry ran in, as a string index: one index when every
 * repetition ran in that boot (said once, on the side's header), per value otherwise (null: not
 * said), null when no value says.
 */
export type RepsBoot = number | (number | null)[] | null;

/** Per entry (one row of compare and one of its candidates), in compare's order; a number[] of string indexes where said. */
export interface TableColumns {
  /** The candidate's index into `labels`. */
  side: number[];
  workload: number[];
  /** The cell without its `workload:` prefix (the workload has its own column). */
  cell: number[];
  metric: number[];
  role: number[];
  /** The unit the row is shown in. */
  unit: number[];
  /** `5 v 5` (values used, base v candidate). */
  n: number[];
  nKey: number[];
  base: Shown[];
  /** The range of the repetitions, [min, max] as shown, or null without one. */
  baseRange: ([Shown, Shown] | null)[];
  baseCov: number[];
  baseKey: (number | null)[];
  cand: Shown[];
  candRange: ([Shown, Shown] | null)[];
  candCov: number[];
  candKey: (number | null)[];
  /** The change with its star. */
  change: string[];
  changeKey: (number | null)[];
  ci: string[];
  /** The interval's level (`95.0%`), null without an interval. */
  ciLevel: (number | null)[];
  ciKey: (number | null)[];
  q: string[];
  qKey: (number | null)[];
  verdict: number[];
  significant: (0 | 1)[];
  /**
   * Why the verdict is what it is (compare's reason) as a string index; where the reason holds
   * the interval as the ci column shows it, that text is replaced by INTERVAL_PLACEHOLDER, so
   * the reasons of many rows are one string.
   */
  reason: number[];
  /** The row's notes, as string indexes. */
  notes: number[][];
  /** The repetition numbers, rising, as an index into TableData.repNumbers. */
  repNumbers: number[];
  /** The base's values per repetition as shown (in the row's unit), `not run` or `absent`; the candidate's. */
  repsBase: Shown[][];
  repsCand: Shown[][];
  bootBase: RepsBoot[];
  bootCand: RepsBoot[];
}

/** Stands for the entry's interval text in a reason (a control character no reason holds). */
export const INTERVAL_PLACEHOLDER = '\u0001';

export interface TableData {
  strings: string[];
  /** The compared bundles' labels, base first. */
  labels: string[];
  /** What each column of the table's header holds, in its order (the header's data-column indexes this). */
  columns: string[];
  /** The distinct lists of repetition numbers the entries have. */
  repNumbers: number[][];
  entries: TableColumns;
}

/** Repeated texts, each kept once. */
class Strings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(text);
      this.index.set(text, i);
    }
    return i;
  }
}

/** A sort key: 4 significant digits (what the table shows), null when there is no finite value. */
function sortKey(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Number(value.toPrecision(4));
}

/** The number if String(number) in the page prints what formatNumber printed, else the text (see Shown). */
function shown(text: string): Shown {
  const n = Number(text);
  return text !== '' && String(n) === text ? n : text;
}

function shownNumber(value: number | null, scale: Scale): Shown {
  return shown(formatNumber(value, scale));
}

function range(min: number | null, max: number | null, scale: Scale): [Shown, Shown] | null {
  if (min === null || max === null) return null;
  return [shownNumber(min, scale), shownNumber(max, scale)];
}

function nText(n: number, missing: number): string {
  return missing > 0 ? `${n}+${missing}?` : String(n);
}

/** The reason with the interval as the ci column shows it replaced by the placeholder, when it holds that text once. */
function reasonTemplate(cand: CandidateResult): string {
  if (!cand.ci || cand.reason.includes(INTERVAL_PLACEHOLDER)) return cand.reason;
  const ci = formatCi(cand.ci);
  const parts = cand.reason.split(ci);
  return parts.length === 2 ? parts.join(INTERVAL_PLACEHOLDER) : cand.reason;
}

/** Cell keys start with `workload:` (core/campaign/matrix.ts); the workload has a column of its own. */
function cellName(row: ComparisonRow): string {
  return row.cell.startsWith(`${row.workload}:`) ? row.cell.slice(row.workload.length + 1) : row.cell;
}

/** Each side's repetitions of one entry (base, candidate) and their repetition numbers. */
function repsOf(cand: CandidateResult, reps: RowRepetitions | undefined, scale: Scale, strings: Strings): { rep: number[]; sides: { values: Shown[]; boot: RepsBoot }[] } {
  const bySide = [0, cand.bundle].map((side) => new Map((reps?.get(side) ?? []).map((r) => [r.rep, r])));
  const rep = [...new Set(bySide.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const sides = bySide.map((m) => {
    const values = rep.map((n): Shown => {
      const r = m.get(n);
      if (!r) return 'not run';
      if (r.value === null) return 'absent';
      return r.foreignUnit === undefined ? shownNumber(r.value, scale) : `${formatNumber(r.value)} ${r.foreignUnit}`;
    });
    const boots = [...m.values()].map((r) => r.bootId);
    if (boots.every((b) => b === undefined)) return { values, boot: null };
    // A side whose repetitions all ran in one boot says so once: on every value, the boot id was a
    // fifth of the page for a campaign of 146 cells (scripts/bench/report-speed.ts).
    if (new Set(boots).size === 1) return { values, boot: strings.of(boots[0]!) };
    return { values, boot: rep.map((n) => (m.get(n)?.bootId === undefined ? null : strings.of(m.get(n)!.bootId!))) };
  });
  return { rep, sides };
}

/** The table's columns, in the header's order (table.ts writes the header from the same list). */
export function tableColumnNames(multipleCandidates: boolean): string[] {
  return ['expand', ...(multipleCandidates ? ['candidate'] : []), 'workload', 'cell', 'metric', 'role', 'unit', 'n', 'base', 'cand', 'change', 'ci', 'q', 'verdict'];
}

export function tableData(c: Comparison, repetitions: ReadonlyMap<string, RowRepetitions>): TableData {
  const strings = new Strings();
  const repLists = new Strings();
  const e: TableColumns = {
    side: [], workload: [], cell: [], metric: [], role: [], unit: [], n: [], nKey: [],
    base: [], baseRange: [], baseCov: [], baseKey: [], cand: [], candRange: [], candCov: [], candKey: [],
    change: [], changeKey: [], ci: [], ciLevel: [], ciKey: [], q: [], qKey: [],
    verdict: [], significant: [], reason: [], notes: [], repNumbers: [], repsBase: [], repsCand: [], bootBase: [], bootCand: [],
  };
  for (const row of c.rows) {
    const scale = chooseScale(row.unit, row.base.median);
    const reps = repetitions.get(rowKey(row));
    for (const cand of row.candidates) {
      if (!cand) continue;
      const candScale = cand.unit === row.unit ? scale : { unit: cand.unit, factor: 1 };
      e.side.push(cand.bundle);
      e.workload.push(strings.of(row.workload));
      e.cell.push(strings.of(cellName(row)));
      e.metric.push(strings.of(row.metric));
      e.role.push(strings.of(row.role));
      e.unit.push(strings.of(scale.unit));
      e.n.push(strings.of(`${nText(row.base.n, row.base.missing)} v ${nText(cand.stats.n, cand.stats.missing)}`));
      e.nKey.push(Math.min(row.base.n, cand.stats.n));
      e.base.push(shownNumber(row.base.median, scale));
      e.baseRange.push(range(row.base.min, row.base.max, scale));
      e.baseCov.push(strings.of(`CoV ${formatCov(row.base.covPct)}`));
      e.baseKey.push(sortKey(row.base.median));
      e.cand.push(cand.unit === row.unit ? shownNumber(cand.stats.median, candScale) : `${formatNumber(cand.stats.median, candScale)} ${cand.unit}`);
      e.candRange.push(range(cand.stats.min, cand.stats.max, candScale));
      e.candCov.push(strings.of(`CoV ${formatCov(cand.stats.covPct)}`));
      e.candKey.push(sortKey(cand.stats.median));
      e.change.push(`${formatPct(cand.changePct)}${cand.significant ? '*' : ''}`);
      e.changeKey.push(sortKey(cand.changePct));
      e.ci.push(formatCi(cand.ci));
      e.ciLevel.push(cand.ci ? strings.of(formatLevel(cand.ci.level)) : null);
      e.ciKey.push(sortKey(cand.ci?.lowPct));
      e.q.push(formatP(cand.q));
      e.qKey.push(sortKey(cand.q));
      e.verdict.push(strings.of(cand.verdict));
      e.significant.push(cand.significant ? 1 : 0);
      e.reason.push(strings.of(reasonTemplate(cand)));
      e.notes.push(row.notes.map((n) => strings.of(n)));
      const r = repsOf(cand, reps, scale, strings);
      e.repNumbers.push(repLists.of(r.rep.join(',')));
      e.repsBase.push(r.sides[0]!.values);
      e.repsCand.push(r.sides[1]!.values);
      e.bootBase.push(r.sides[0]!.boot);
      e.bootCand.push(r.sides[1]!.boot);
    }
  }
  return {
    strings: strings.list,
    labels: c.bundles.map((b) => b.label),
    columns: tableColumnNames(c.bundles.length > 2),
    repNumbers: repLists.list.map((list) => (list === '' ? [] : list.split(',').map(Number))),
    entries: e,
  };
}
