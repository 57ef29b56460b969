// Parser for fio's JSON / json+ output. Pure: text in, typed result out, usable on files
// captured anywhere (`dmabench ingest`), and by reports reading a bundle's raw fio-output.json
// (which is why it lives in core/, below both collectors/ and reports/). With it,
// mergedPercentiles: percentiles of merged json+ histograms, as fio computes them.
//
// Real fio output is rarely just JSON: `--output-format=normal,json` prints header lines
// before the object and the normal report after it, error lines ("fio: pid=0, err=20/...")
// land before it when stderr is merged, and `--status-interval` prints one complete object
// per interval (cumulative, the last one is the final result). So: take the last object (by
// fio's layout, a `{` line to the next `}` line; failing that, by a linear brace scan aware of
// strings) and parse it with JSON.parse.
import { ParseError } from '../../model/parse-error.js';

export type FioDirection = 'read' | 'write' | 'trim';
export const FIO_DIRECTIONS: readonly FioDirection[] = ['read', 'write', 'trim'];

export interface FioLatency {
  min: number;
  max: number;
  mean: number;
  stdev: number;
  /** Number of samples behind the figures. */
  n: number;
}

export interface FioCompletionLatency extends FioLatency {
  /**
   * Percentiles fio reported, keyed `p50`, `p90`, `p99`, `p99.9`, `p99.99`, ... (all of fio's
   * list, in ns). Empty when fio ran with percentiles disabled.
   */
  percentiles: Record<string, number>;
  /** json+ only: histogram bin value (ns, as text, fio's key) -> count. Used to merge jobs exactly. */
  bins?: Readonly<Record<string, number>>;
}

export interface FioDirectionResult {
  ioBytes: number;
  totalIos: number;
  iops: number;
  /** Bandwidth as fio reports it: KiB/s. */
  bwKiBps: number;
  /** The same bandwidth in MiB/s. */
  bwMiBps: number;
  runtimeMs: number;
  /** Completion latency (submission to completion), ns. */
  clat: FioCompletionLatency | null;
  /** Total latency (slat + clat), ns. */
  lat: FioLatency | null;
}

export interface FioJobResult {
  name: string;
  groupId: number;
  /** fio's error code for the job (errno); 0 when it ran clean. */
  error: number;
  jobRuntimeMs: number;
  /** CPU use of the job, percent of one CPU (fio's usr_cpu / sys_cpu). */
  usrCpu: number;
  sysCpu: number;
  directions: Partial<Record<FioDirection, FioDirectionResult>>;
}

export interface FioResult {
  /** e.g. `fio-3.33`; null when the object does not say. */
  fioVersion: string | null;
  timestampMs: number | null;
  /** One entry per job, or per group when fio ran with group_reporting. */
  jobs: FioJobResult[];
  /** Where the text came from, when the caller said. */
  source?: string;
}

/** Parse fio's JSON or json+ output, tolerating text around the object. Throws ParseError. */
export function parseFioOutput(text: string, source?: string): FioResult {
  const fail = (what: string): never => {
    throw new ParseError(source ? `${source}: ${what}` : what);
  };
  const root = extractFioJson(text, fail);
  if (typeof root !== 'object' || root === null || Array.isArray(root)) fail('fio output: the JSON is not an object');
  const obj = root as Record<string, unknown>;
  const jobs = obj['jobs'];
  if (!Array.isArray(jobs)) fail('fio output: the JSON object has no "jobs" array');
  if ((jobs as unknown[]).length === 0) fail('fio output: the "jobs" array is empty');

  const result: FioResult = {
    fioVersion: typeof obj['fio version'] === 'string' ? (obj['fio version'] as string) : null,
    timestampMs: optionalNumber(obj, 'timestamp_ms', 'fio output', fail),
    jobs: (jobs as unknown[]).map((j, i) => parseJob(j, `jobs[${i}]`, fail)),
  };
  if (source !== undefined) result.source = source;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Locating the JSON

type Fail = (what: string) => never;

/** Find the last top-level object in `text` and JSON.parse it. */
function extractFioJson(text: string, fail: Fail): unknown {
  const fast = fioLayoutObject(text);
  if (fast !== undefined) {
    try {
      return JSON.parse(fast);
    } catch {
      // not fio's usual layout after all: take the careful path below
    }
  }

  const starts = objectStarts(text);
  // With --status-interval the last object is the final result. When that one is cut short
  // (fio killed mid-write) the run is reported as broken rather than quietly falling back to
  // an earlier interval's partial numbers.
  const start = starts[starts.length - 1];
  if (start === undefined) return fail('fio output: no JSON object found (no "{" in the text)');
  const end = matchingBrace(text, start);
  if (end < 0) return fail(`fio output: truncated JSON, the object starting on line ${lineOf(text, start)} never closes`);
  const slice = text.slice(start, end + 1);
  try {
    return JSON.parse(slice);
  } catch (err) {
    // Lines printed inside the object (a merged stderr): drop lines that cannot be JSON
    // continuation lines and try once more.
    const cleaned = dropForeignLines(slice);
    if (cleaned !== slice) {
      try {
        return JSON.parse(cleaned);
      } catch {
        // reported below with the original error, which points into the real text
      }
    }
    return fail(`fio output: invalid JSON in the object starting on line ${lineOf(text, start)}: ${oneLine((err as Error).message)}`);
  }
}

/**
 * Fast path for fio's own layout, where every top-level object opens with a line `{` and closes
 * with a line `}` (everything inside is indented): the last `{` line up to the next `}` line.
 * Two indexOf calls instead of a character scan keep a 50 MB json+ file well under budget.
 */
function fioLayoutObject(text: string): string | undefined {
  const last = text.lastIndexOf('\n{\n');
  const start = last >= 0 ? last + 1 : text.startsWith('{\n') ? 0 : -1;
  if (start < 0) return undefined;
  let close = text.indexOf('\n}', start);
  while (close >= 0 && close + 2 < text.length && text[close + 2] !== '\n') close = text.indexOf('\n}', close + 2);
  return close < 0 ? undefined : text.slice(start, close + 2);
}

/**
 * Offsets where a top-level object may begin: every line that is exactly `{` (how fio starts
 * each object). When no such line exists, the first `{` anywhere, as LKP does.
 * Scanning stays linear: after each candidate the search resumes past its closing brace.
 */
function objectStarts(text: string): number[] {
  const starts: number[] = [];
  const re = /^\{[ \t]*\r?$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    starts.push(m.index);
    // Jump past this object so `{` lines nested inside it (none in fio's layout, but a
    // re-indented file could have them) cannot become candidates.
    const end = matchingBrace(text, m.index);
    if (end < 0) break;
    re.lastIndex = end + 1;
  }
  if (starts.length === 0) {
    const first = text.indexOf('{');
    if (first >= 0) starts.push(first);
  }
  return starts;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** Offset of the `}` that closes the object opening at `start`, or -1 when it never closes. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN) depth++;
    else if (c === CLOSE && --depth === 0) return i;
  }
  return -1;
}

/** fio indents every line inside its objects; a line starting with anything else was injected. */
function dropForeignLines(slice: string): string {
  const lines = slice.split('\n');
  const kept = lines.filter((line, i) => i === 0 || /^[\s{}[\]"]/.test(line) || line === '');
  return kept.length === lines.length ? slice : kept.join('\n');
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Typed view of the object

function parseJob(raw: unknown, where: string, fail: Fail): FioJobResult {
  const job = asRecord(raw, where, fail);
  const directions: Partial<Record<FioDirection, FioDirectionResult>> = {};
  for (const dir of FIO_DIRECTIONS) {
    if (job[dir] !== undefined) directions[dir] = parseDirection(job[dir], `${where}.${dir}`, fail);
  }
  return {
    name: typeof job['jobname'] === 'string' ? job['jobname'] : where,
    groupId: optionalNumber(job, 'groupid', where, fail) ?? 0,
    error: optionalNumber(job, 'error', where, fail) ?? 0,
    jobRuntimeMs: optionalNumber(job, 'job_runtime', where, fail) ?? 0,
    usrCpu: requireNumber(job, 'usr_cpu', where, fail),
    sysCpu: requireNumber(job, 'sys_cpu', where, fail),
    directions,
  };
}

function parseDirection(raw: unknown, where: string, fail: Fail): FioDirectionResult {
  const d = asRecord(raw, where, fail);
  const bwKiBps = requireNumber(d, 'bw', where, fail);
  return {
    ioBytes: requireNumber(d, 'io_bytes', where, fail),
    totalIos: requireNumber(d, 'total_ios', where, fail),
    iops: requireNumber(d, 'iops', where, fail),
    bwKiBps,
    bwMiBps: bwKiBps / 1024,
    runtimeMs: optionalNumber(d, 'runtime', where, fail) ?? 0,
    clat: parseClat(d, where, fail),
    lat: d['lat_ns'] !== undefined ? parseLatency(d['lat_ns'], 1, `${where}.lat_ns`, fail) : null,
  };
}

function parseClat(d: Record<string, unknown>, where: string, fail: Fail): FioCompletionLatency | null {
  // fio >= 3.0 reports ns (`clat_ns`); older versions reported µs under `clat`.
  const [key, scale] = d['clat_ns'] !== undefined ? ['clat_ns', 1] : d['clat'] !== undefined ? ['clat', 1000] : [null, 1];
  if (key === null) return null;
  const clatWhere = `${where}.${key}`;
  const stats = parseLatency(d[key], scale, clatWhere, fail);
  const raw = d[key] as Record<string, unknown>;
  const percentiles: Record<string, number> = {};
  const pct = raw['percentile'];
  if (typeof pct === 'object' && pct !== null) {
    for (const p of Object.keys(pct)) {
      const label = percentileLabel(p);
      if (label !== null) percentiles[label] = (optionalNumber(pct as Record<string, unknown>, p, `${clatWhere}.percentile`, fail) ?? 0) * scale;
    }
  }
  const out: FioCompletionLatency = { ...stats, percentiles };
  const bins = raw['bins'];
  if (typeof bins === 'object' && bins !== null && scale === 1) out.bins = parseBins(bins as Record<string, unknown>, `${clatWhere}.bins`, fail);
  return out;
}

function parseLatency(raw: unknown, scale: number, where: string, fail: Fail): FioLatency {
  const l = asRecord(raw, where, fail);
  return {
    min: requireNumber(l, 'min', where, fail) * scale,
    max: requireNumber(l, 'max', where, fail) * scale,
    mean: requireNumber(l, 'mean', where, fail) * scale,
    // fio writes "stddev"; accept "stdev" as well.
    stdev: (optionalNumber(l, 'stddev', where, fail) ?? optionalNumber(l, 'stdev', where, fail) ?? 0) * scale,
    n: optionalNumber(l, 'N', where, fail) ?? 0,
  };
}

/** `"99.900000"` -> `p99.9`; null for keys that are not numbers. */
export function percentileLabel(key: string): string | null {
  const n = Number(key);
  return Number.isFinite(n) ? `p${n}` : null;
}

function asRecord(v: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`fio output: ${where} is not an object`);
  return v as Record<string, unknown>;
}

/**
 * Every figure fio prints is a count, a size, a time, a rate or a CPU share: never negative. A
 * negative number, or one too large for a double (JSON.parse makes it Infinity), means the file
 * was damaged; reading it as 0 or as absent would hide that.
 */
function requireNumber(o: Record<string, unknown>, key: string, where: string, fail: Fail): number {
  const n = optionalNumber(o, key, where, fail);
  if (n === null) fail(`fio output: ${where}.${key} is missing`);
  return n as number;
}

/** null when the key is absent; a ParseError when it holds anything but a finite number >= 0. */
function optionalNumber(o: Record<string, unknown>, key: string, where: string, fail: Fail): number | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`fio output: ${where}.${key} is not a finite number: ${JSON.stringify(v) ?? String(v)}`);
  if ((v as number) < 0) fail(`fio output: ${where}.${key} is negative: ${v}`);
  return v as number;
}

/** json+ histogram bins: bin value in ns (fio's text key) -> sample count, both >= 0. */
function parseBins(bins: Record<string, unknown>, where: string, fail: Fail): Record<string, number> {
  for (const key of Object.keys(bins)) {
    const ns = Number(key);
    if (key.trim() === '' || !Number.isFinite(ns) || ns < 0) fail(`fio output: ${where} has a bin that is not a duration: ${JSON.stringify(key)}`);
    optionalNumber(bins, key, where, fail);
  }
  return bins as Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Merging json+ histograms

/**
 * Percentiles of the union of several jobs' json+ histograms, the way fio computes them
 * (stat.c calc_clat_percentiles): the value of the first bin whose running count reaches
 * p% of all samples. Which percentiles: the ones every job reported.
 */
export function mergedPercentiles(clats: (FioCompletionLatency | null)[]): Record<string, number> {
  if (clats.length === 0 || clats.some((c) => !c || !c.bins)) return {};
  // Keyed by fio's own text keys: no number conversion per entry, once per distinct bin below.
  const counts = new Map<string, number>();
  for (const c of clats) {
    const bins = c!.bins!;
    for (const key in bins) counts.set(key, (counts.get(key) ?? 0) + bins[key]!);
  }
  const bins = [...counts].map(([key, count]): [number, number] => [Number(key), count]).sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((a, [, c]) => a + c, 0);
  if (total === 0) return {};

  const wanted = Object.keys(clats[0]!.percentiles)
    .filter((label) => clats.every((c) => label in c!.percentiles))
    .map((label) => ({ label, p: Number(label.slice(1)) }))
    .sort((a, b) => a.p - b.p);
  const out: Record<string, number> = {};
  let running = 0;
  let w = 0;
  for (const [ns, count] of bins) {
    running += count;
    while (w < wanted.length && running >= (wanted[w]!.p / 100) * total) {
      out[wanted[w]!.label] = ns;
      w++;
    }
    if (w === wanted.length) break;
  }
  return out;
}
