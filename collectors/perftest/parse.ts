// Parsers for ib_write_bw's two outputs: the text report on stdout (either side) and the
// --out_json file. Pure functions over text, so `dmabench ingest` can read files from elsewhere.
//
// What the real tool prints (fixtures in test/fixtures/perftest):
// - a table `#bytes #iterations BW peak[UNIT] BW average[UNIT] MsgRate[Mpps]`, one row per size,
//   between dashed lines. UNIT is `MiB/sec` in perftest 6.x, `MB/sec` in older releases and
//   `Gb/sec` with --report_gbits; small Gb/s values switch to six decimals and lose the tabs.
// - with -D, ` WARNING: BW peak won't be measured in this run.` and a peak column of 0.00.
// - the server prints a `* Waiting for client to connect... *` banner first; with -a it prints
//   only the last size's row (perftest 6.24).
// - the JSON file holds `test_info` and one `results` object: with -a only the last size, and
//   no unit (Gb/s with --report_gbits, MiB/s otherwise).
import { ParseError } from '../../model/parse-error.js';

export interface PerftestRow {
  bytes: number;
  iterations: number;
  /** Peak bandwidth; null when perftest said it did not measure it (-D). */
  bwPeak: number | null;
  bwAvg: number;
  /** Million messages per second. */
  msgRate: number;
}

export type PerftestSide = 'server' | 'client' | 'unknown';

export interface PerftestReport {
  /** The title line, e.g. `RDMA_Write BW Test`, `RDMA_Write Bidirectional BW Test`. */
  test?: string;
  device?: string;
  side: PerftestSide;
  /** Bandwidth unit as printed, normalised: `MiB/s`, `MB/s` or `Gb/s`. */
  bwUnit: string;
  peakMeasured: boolean;
  rows: PerftestRow[];
  /** Lines perftest printed that are not part of the report (warnings, errors). */
  messages: string[];
}

/** The banner a perftest server prints before it accepts the client. */
export const WAITING_BANNER = /Waiting for client to connect/;
const TITLE = /^\s*((?:RDMA_Write|RDMA_Read|Send|Atomic)\b.*\bBW Test)\s*$/;
const HEADER = /^\s*#bytes\s+#iterations\s+BW peak\[([^\]]+)\]\s+BW average\[([^\]]+)\]\s+MsgRate\[Mpps\]/;
const ROW = /^\s*(\d+)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)(?:\s|$)/;
const DASHES = /^-{20,}\s*$/;
const NO_PEAK = /BW peak won't be measured/;
const DEVICE = /\bDevice\s*:\s*(\S+)/;
// ` Number of qps   : 1		Transport type : IB`: words joined by single spaces, then the colon.
// (A lazy key that may hold blanks, `[\w .*()/-]*?\s+:`, backtracks quadratically on a long
// run of blanks.)
const SETTING = /^ [A-Za-z][\w.*()/-]*(?: [\w.*()/-]+)*\s+:\s/;

/** `MiB/sec` → `MiB/s`; anything unknown is kept as printed. */
export function normaliseBwUnit(printed: string): string {
  const u = printed.trim();
  const m = /^(MiB|MB|Gb|GB|Gib)\/sec$/i.exec(u);
  return m ? `${m[1]}/s` : u;
}

function isBoilerplate(line: string): boolean {
  return /^\s*$/.test(line) || /^\s*\*+\s*$/.test(line) || /^\s*\*.*\*\s*$/.test(line) || DASHES.test(line) || /^\s*(local|remote) address:/.test(line) || /^\s*GID:/.test(line) || SETTING.test(line);
}

/** Parses one side's stdout. Throws ParseError when no result table (or an empty one) is found. */
export function parsePerftestText(text: string, source = 'ib_write_bw output'): PerftestReport {
  const lines = text.split(/\r?\n/);
  let test: string | undefined;
  let device: string | undefined;
  let bwUnit: string | undefined;
  let peakMeasured = true;
  let side: PerftestSide = 'client';
  let inTable = false;
  let sawHeader = false;
  const rows: PerftestRow[] = [];
  const messages: string[] = [];

  for (const line of lines) {
    if (WAITING_BANNER.test(line)) side = 'server';
    if (NO_PEAK.test(line)) peakMeasured = false;
    const title = TITLE.exec(line);
    if (title && test === undefined) test = title[1]!.trim();
    const dev = DEVICE.exec(line);
    if (dev && device === undefined) device = dev[1];
    const header = HEADER.exec(line);
    if (header) {
      const peakUnit = normaliseBwUnit(header[1]!);
      const avgUnit = normaliseBwUnit(header[2]!);
      if (peakUnit !== avgUnit) throw new ParseError(`${source}: peak and average columns have different units (${peakUnit}, ${avgUnit})`);
      if (bwUnit !== undefined && bwUnit !== peakUnit) throw new ParseError(`${source}: tables in different units (${bwUnit}, ${peakUnit})`);
      bwUnit = peakUnit;
      inTable = true;
      sawHeader = true;
      continue;
    }
    if (inTable) {
      const row = ROW.exec(line);
      if (row) {
        rows.push(checkedRow({ bytes: Number(row[1]), iterations: Number(row[2]), bwPeak: Number(row[3]), bwAvg: Number(row[4]), msgRate: Number(row[5]) }, source));
        continue;
      }
      if (DASHES.test(line)) {
        inTable = false;
        continue;
      }
    }
    if (!TITLE.test(line) && !isBoilerplate(line)) messages.push(line.trim());
  }

  if (!sawHeader || bwUnit === undefined) {
    const hint = messages.length > 0 ? `: ${messages.slice(0, 3).join('; ')}` : '';
    throw new ParseError(`${source}: no ib_write_bw result table (#bytes #iterations BW peak ...)${hint}`);
  }
  if (rows.length === 0) throw new ParseError(`${source}: the result table has no rows (truncated output?)`);
  // perftest closes every table with a dashed line; without it the run was cut short mid-sweep.
  if (inTable) throw new ParseError(`${source}: the result table is not closed after ${rows.length} sizes (truncated output?)`);
  if (!peakMeasured) for (const r of rows) r.bwPeak = null;
  return { test, device, side: side === 'server' ? 'server' : 'client', bwUnit, peakMeasured, rows, messages };
}

/**
 * A row as perftest could have printed it: sizes and iteration counts are whole numbers a double
 * holds exactly, rates are finite and none is negative. Digits beyond that (a size of 400 digits
 * parses as Infinity) are a damaged report.
 */
function checkedRow(row: PerftestRow, source: string): PerftestRow {
  const whole = (v: number, what: string) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new ParseError(`${source}: ${what} ${v} is not a plausible whole number`);
  };
  const rate = (v: number | null, what: string) => {
    if (v !== null && (!Number.isFinite(v) || v < 0)) throw new ParseError(`${source}: ${what} ${v} is not a plausible rate`);
  };
  whole(row.bytes, 'message size');
  whole(row.iterations, 'iterations');
  rate(row.bwPeak, 'peak bandwidth');
  rate(row.bwAvg, 'average bandwidth');
  rate(row.msgRate, 'message rate');
  return row;
}

export interface PerftestJsonReport {
  testInfo: Record<string, unknown>;
  test?: string;
  device?: string;
  rows: PerftestRow[];
  /** True when the file was not valid JSON and had to be repaired or scanned. */
  repaired: boolean;
}

export interface PerftestJsonOptions {
  /** The JSON has no unit: what the run asked for (-D means no peak). */
  peakMeasured?: boolean;
}

/**
 * A results field: a JSON number, or digits in a string (what the key-by-key scan of a broken
 * file gives). undefined when absent or plainly not a number; a number that is negative or not
 * finite (JSON's 1e999, `-nan` in a string) is a damaged report, not an absent field.
 */
function num(v: unknown, key: string, source: string): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)) n = Number(v);
  else if (typeof v === 'string' && /^\s*[-+]?(\d|\.\d|nan|inf)/i.test(v)) n = NaN;
  else return undefined;
  if (!Number.isFinite(n) || n < 0) {
    const shown = typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : String(v);
    throw new ParseError(`${source}: ${key} ${shown} is not a plausible number`);
  }
  return n;
}

function rowFromResults(r: Record<string, unknown>, source: string): PerftestRow {
  const bytes = num(r.MsgSize, 'MsgSize', source);
  const iterations = num(r.n_iterations, 'n_iterations', source);
  const bwPeak = num(r.BW_peak, 'BW_peak', source);
  const bwAvg = num(r.BW_average, 'BW_average', source);
  const msgRate = num(r.MsgRate, 'MsgRate', source);
  if (bytes === undefined || bwAvg === undefined || msgRate === undefined) {
    throw new ParseError(`${source}: a results object lacks MsgSize, BW_average or MsgRate`);
  }
  return checkedRow({ bytes, iterations: iterations ?? 0, bwPeak: bwPeak ?? null, bwAvg, msgRate }, source);
}

/** Removes commas before a closing bracket, the invalid JSON hand-written reports tend to have. */
function dropTrailingCommas(text: string): string {
  return text.replace(/,(\s*[}\]])/g, '$1');
}

/** Last resort: every flat `"results": { ... }` object, read key by key. */
function scanResults(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const m of text.matchAll(/"results"\s*:\s*\{([^{}]*)\}/g)) {
    const obj: Record<string, unknown> = {};
    for (const kv of m[1]!.matchAll(/"([A-Za-z_]+)"\s*:\s*("?)([^",\s}]+)\2/g)) obj[kv[1]!] = kv[3];
    found.push(obj);
  }
  return found;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Parses an --out_json file, tolerating trailing commas and truncated or concatenated objects. */
export function parsePerftestJson(text: string, source = 'ib_write_bw JSON', opts: PerftestJsonOptions = {}): PerftestJsonReport {
  let doc: unknown;
  let repaired = false;
  try {
    doc = JSON.parse(text);
  } catch {
    repaired = true;
    try {
      doc = JSON.parse(dropTrailingCommas(text));
    } catch {
      doc = undefined;
    }
  }
  let testInfo: Record<string, unknown> = {};
  let results: Record<string, unknown>[];
  const top = asRecord(doc);
  if (top) {
    testInfo = asRecord(top.test_info) ?? {};
    const r = top.results;
    results = Array.isArray(r) ? r.map(asRecord).filter((x): x is Record<string, unknown> => !!x) : asRecord(r) ? [r as Record<string, unknown>] : [];
  } else {
    results = scanResults(text);
    const info = /"test"\s*:\s*"([^"]*)"/.exec(text);
    const dev = /"Device"\s*:\s*"([^"]*)"/.exec(text);
    if (info) testInfo.test = info[1];
    if (dev) testInfo.Device = dev[1];
  }
  if (results.length === 0) throw new ParseError(`${source}: no "results" object in the ib_write_bw JSON`);
  const rows = results.map((r) => rowFromResults(r, source));
  if (opts.peakMeasured === false) for (const row of rows) row.bwPeak = null;
  return {
    testInfo,
    test: typeof testInfo.test === 'string' ? testInfo.test : undefined,
    device: typeof testInfo.Device === 'string' ? testInfo.Device : undefined,
    rows,
    repaired,
  };
}

/** perftest's own error lines from stderr (or stdout), for an error message. */
export function perftestErrorLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !isBoilerplate(l) && !WAITING_BANNER.test(l));
}
