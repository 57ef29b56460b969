// Parser for the dma_bench module's `result` file (format v4, benches/dma_bench/report.c; v1 to
// v3 too, without what later versions added): one
// record per line, a record name then key=value pairs, closed by `end`. Pure: text in, typed
// result out; ParseError for anything truncated, foreign or inconsistent. Unknown record names
// and unknown keys are ignored so a newer module with extra fields still parses.
import { ParseError } from '../../model/parse-error.js';
import { histogramProblem, type HistogramBucket, type LatencyHistogram } from '../../model/latency-histogram.js';
import type {
  MicrobenchApi,
  MicrobenchDir,
  MicrobenchEcho,
  MicrobenchIrqs,
  MicrobenchLayout,
  MicrobenchPath,
  MicrobenchPhase,
  MicrobenchResult,
  MicrobenchStatus,
  PhaseStats,
  ThreadStats,
  WorkerStats,
} from './types.js';
import { microbenchPhases } from './types.js';

/**
 * v1: before batches, merged ranges and the echo of irqs and batch; v2: before inflight, sg_build
 * and the APIs found; v3: before cpus, duration_ms, each worker's request count and CPU topology;
 * v4: today's module.
 */
const supportedVersions = [1, 2, 3, 4];

/** A CPU list as the kernel prints one (%*pbl): 0-3,8. */
const cpuList = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

function cpus(rec: RecordLine, key: string): string {
  const v = str(rec, key);
  if (!cpuList.test(v)) throw new ParseError(`dma_bench result line ${rec.lineNo}: ${key}=${v.slice(0, 40)} is not a CPU list`);
  return v;
}

type Fields = Map<string, string>;
interface RecordLine {
  name: string;
  fields: Fields;
  lineNo: number;
}

function splitRecord(line: string, lineNo: number): RecordLine {
  const [name, ...pairs] = line.trim().split(/\s+/);
  const fields: Fields = new Map();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ParseError(`dma_bench result line ${lineNo}: expected key=value, got "${pair}"`);
    fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { name: name ?? '', fields, lineNo };
}

function str(rec: RecordLine, key: string): string {
  const v = rec.fields.get(key);
  if (v === undefined || v === '') throw new ParseError(`dma_bench result line ${rec.lineNo} (${rec.name}): missing ${key}`);
  return v;
}

/**
 * A whole number of the record (the module prints every count, size and time as an integer; only
 * means and stdevs have decimals: `decimal`). Times, sizes and counts are never negative; only an
 * errno and the all-threads cpu (-1) are `signed`. Digits too many for a double (Infinity), or for
 * an exact integer (beyond 2^53), are a damaged line.
 */
function num(rec: RecordLine, key: string, signed = false, decimal = false): number {
  const v = str(rec, key);
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw new ParseError(`dma_bench result line ${rec.lineNo}: ${key}=${v.slice(0, 40)} is not a number`);
  if (!decimal && v.includes('.')) throw new ParseError(`dma_bench result line ${rec.lineNo}: ${key}=${v.slice(0, 40)} is not a whole number`);
  const n = Number(v);
  if (!Number.isFinite(n) || (!decimal && !Number.isSafeInteger(n))) throw new ParseError(`dma_bench result line ${rec.lineNo}: ${key}=${v.slice(0, 40)}… is out of range`);
  if (n < 0 && !signed) throw new ParseError(`dma_bench result line ${rec.lineNo}: ${key}=${v} is negative`);
  return n;
}

function oneOf<T extends string>(rec: RecordLine, key: string, allowed: readonly T[]): T {
  const v = str(rec, key);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ParseError(`dma_bench result line ${rec.lineNo}: ${key}=${v} is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function phaseStats(rec: RecordLine): PhaseStats {
  const s: PhaseStats = {
    count: num(rec, 'count'),
    mean: num(rec, 'mean', false, true),
    stdev: num(rec, 'stdev', false, true),
    min: num(rec, 'min'),
    max: num(rec, 'max'),
    p50: num(rec, 'p50'),
    p90: num(rec, 'p90'),
    p99: num(rec, 'p99'),
    p999: num(rec, 'p99.9'),
  };
  // Cheap consistency checks catch a mangled copy that still looks well-formed.
  if (s.count > 0 && !(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max)) {
    throw new ParseError(`dma_bench result line ${rec.lineNo}: percentiles are not ordered min <= p50 <= ... <= max`);
  }
  return s;
}

function records(text: string): RecordLine[] {
  const out: RecordLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line) out.push(splitRecord(line, i + 1));
  });
  return out;
}

function parseRequest(rec: RecordLine, version: number): MicrobenchEcho {
  const echo: MicrobenchEcho = {
    api: oneOf<MicrobenchApi>(rec, 'api', ['sg', 'link', 'phys']),
    size: num(rec, 'size'),
    segs: num(rec, 'segs'),
    segSize: num(rec, 'seg_size'),
    dir: oneOf<MicrobenchDir>(rec, 'dir', ['to_device', 'from_device', 'bidirectional']),
    threads: num(rec, 'threads'),
    iters: num(rec, 'iters'),
    warmup: num(rec, 'warmup'),
    layout: oneOf<MicrobenchLayout>(rec, 'layout', ['contiguous', 'scattered']),
  };
  if (version >= 2) {
    echo.irqs = oneOf<MicrobenchIrqs>(rec, 'irqs', ['on', 'off']);
    echo.batch = num(rec, 'batch');
  }
  if (version >= 3) {
    echo.inflight = num(rec, 'inflight');
    echo.sg_build = Number(oneOf(rec, 'sg_build', ['0', '1'])) as 0 | 1;
  }
  if (version >= 4) {
    echo.duration_ms = num(rec, 'duration_ms');
    echo.cpus = cpus(rec, 'cpus');
  }
  return echo;
}

/** A bucket entry `LOW:WIDTH:COUNT`; digits only, so no number can be negative, fractional or NaN. */
const bucketEntry = /^(\d{1,16}):(\d{1,16}):(\d{1,20})$/;

/**
 * `hist thread=all phase=P count=N buckets=LOW:WIDTH:COUNT,...` (v2): the phase's all-threads
 * histogram, non-empty buckets in rising order, each checked, with the relative error the header
 * states (`hist_max_rel_err_pct`). Another `thread=` is a record a newer module added: ignored.
 */
function parseHist(rec: RecordLine, maxRelErrPct: number | undefined, into: MicrobenchResult['histograms']): void {
  if (str(rec, 'thread') !== 'all') return;
  const phase = oneOf<MicrobenchPhase>(rec, 'phase', microbenchPhases);
  if (maxRelErrPct === undefined) throw new ParseError(`dma_bench result line ${rec.lineNo}: a hist record, but the first line states no hist_max_rel_err_pct`);
  if (into[phase]) throw new ParseError(`dma_bench result line ${rec.lineNo}: a second hist of phase ${phase}`);
  const text = rec.fields.get('buckets');
  if (text === undefined) throw new ParseError(`dma_bench result line ${rec.lineNo} (hist): missing buckets`);
  const buckets: HistogramBucket[] = [];
  for (const entry of text === '' ? [] : text.split(',')) {
    const m = bucketEntry.exec(entry);
    if (!m) throw new ParseError(`dma_bench result line ${rec.lineNo}: hist bucket "${entry.slice(0, 60)}" is not LOW:WIDTH:COUNT`);
    const [low, width, count] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!Number.isSafeInteger(count)) throw new ParseError(`dma_bench result line ${rec.lineNo}: hist bucket count ${m[3]} is out of range`);
    buckets.push({ low, width, count });
  }
  const h: LatencyHistogram = { unit: 'ns', count: num(rec, 'count'), maxRelErr: maxRelErrPct / 100, buckets };
  const problem = histogramProblem(h);
  if (problem) throw new ParseError(`dma_bench result line ${rec.lineNo}: hist of ${phase}: ${problem}`);
  into[phase] = h;
}

/** A histogram and the stats line of the same phase describe the same samples: same count, min and max in its buckets. */
function joinHistogramsToStats(result: MicrobenchResult): void {
  for (const phase of microbenchPhases) {
    const h = result.histograms[phase];
    if (!h) continue;
    const s = result.all?.phases[phase];
    if (!s) throw new ParseError(`dma_bench result has a hist of ${phase} without its all-threads stats`);
    if (s.count !== h.count) throw new ParseError(`dma_bench result: the hist of ${phase} holds ${h.count} samples, its stats count ${s.count}`);
    if (h.count === 0) continue;
    const withExtremes = { ...h, min: s.min, max: s.max };
    const problem = histogramProblem(withExtremes);
    if (problem) throw new ParseError(`dma_bench result: the hist of ${phase} and its stats disagree: ${problem}`);
    result.histograms[phase] = withExtremes;
  }
}

function parseWorker(rec: RecordLine, workers: WorkerStats[], version: number): void {
  const thread = str(rec, 'thread');
  if (!/^\d+$/.test(thread)) throw new ParseError(`dma_bench result line ${rec.lineNo}: worker thread=${thread}`);
  const w: WorkerStats = {
    cpu: num(rec, 'cpu', true),
    ranges: num(rec, 'ranges'),
    calls: num(rec, 'calls'),
    dmaSegsMin: num(rec, 'dma_segs_min'),
    dmaSegsMax: num(rec, 'dma_segs_max'),
    batches: num(rec, 'batches'),
    disturbed: num(rec, 'disturbed'),
    irqHit: num(rec, 'irq_hit'),
    switched: num(rec, 'switched'),
  };
  if (version >= 4) {
    w.requests = num(rec, 'requests');
    w.timedNs = num(rec, 'timed_ns');
    // core and package ids are -1 where the architecture does not know them
    w.topology = { coreId: num(rec, 'core_id', true), packageId: num(rec, 'package_id', true), siblings: cpus(rec, 'siblings'), node: num(rec, 'node', true) };
    // the batches are the requests in samples of batch (the last of a round can be smaller)
    if (w.requests < w.batches) throw new ParseError(`dma_bench result line ${rec.lineNo}: worker ${thread} timed ${w.requests} requests in ${w.batches} batches`);
  }
  workers[Number(thread)] = w;
}

function addStats(result: MicrobenchResult, rec: RecordLine): void {
  const thread = str(rec, 'thread');
  const phase = oneOf<MicrobenchPhase>(rec, 'phase', microbenchPhases);
  const cpu = num(rec, 'cpu', true);
  let target: ThreadStats;
  if (thread === 'all') {
    target = result.all ??= { cpu: -1, phases: {} };
  } else {
    if (!/^\d+$/.test(thread)) throw new ParseError(`dma_bench result line ${rec.lineNo}: thread=${thread}`);
    const n = Number(thread);
    target = result.threads[n] ??= { cpu, phases: {} };
  }
  target.phases[phase] = phaseStats(rec);
}

/** Parse the text read from /sys/kernel/debug/dma_bench/result. */
export function parseMicrobenchResult(text: string): MicrobenchResult {
  const recs = records(text);
  const head = recs[0];
  if (!head || head.name !== 'dma_bench') throw new ParseError('not a dma_bench result: the first line is not a "dma_bench" record');
  if (recs[recs.length - 1]?.name !== 'end') throw new ParseError('dma_bench result is truncated: no "end" line');
  const version = num(head, 'version');
  if (!supportedVersions.includes(version)) {
    throw new ParseError(`dma_bench result format version ${version} is not supported (expected ${supportedVersions.join(' or ')})`);
  }

  let resultRec: RecordLine | undefined;
  const result: MicrobenchResult = {
    formatVersion: version,
    kernel: str(head, 'kernel'),
    clock: str(head, 'clock'),
    device: { bdf: null, iommuDomain: 'none' },
    status: 'error',
    path: 'none',
    errno: 0,
    reason: null,
    wallNs: 0,
    batch: 1,
    workers: [],
    threads: [],
    histograms: {},
  };
  if (version >= 3) {
    result.kernelApis = { link: oneOf(head, 'link_api', ['0', '1']) === '1', mapPhys: oneOf(head, 'map_phys', ['0', '1']) === '1' };
  }
  const maxRelErrPct = head.fields.has('hist_max_rel_err_pct') ? num(head, 'hist_max_rel_err_pct', false, true) : undefined;

  for (const rec of recs.slice(1, -1)) {
    switch (rec.name) {
      case 'device': {
        const bdf = str(rec, 'bdf');
        result.device = { bdf: bdf === 'none' ? null : bdf, iommuDomain: str(rec, 'iommu_domain') };
        break;
      }
      case 'request':
        result.request = parseRequest(rec, version);
        break;
      case 'result': {
        resultRec = rec;
        result.status = oneOf<MicrobenchStatus>(rec, 'status', ['ok', 'unsupported', 'fallback', 'error']);
        result.path = oneOf<MicrobenchPath>(rec, 'path', ['sg', 'link', 'phys', 'page', 'none']);
        result.errno = num(rec, 'errno', true);
        const reason = str(rec, 'reason');
        result.reason = reason === 'none' ? null : reason;
        result.wallNs = num(rec, 'wall_ns');
        if (version >= 2) {
          result.function = str(rec, 'function');
          result.batch = num(rec, 'batch');
          result.maxSegSize = num(rec, 'max_seg_size');
          result.segBoundary = str(rec, 'seg_boundary');
        }
        if (version >= 3) result.inflight = num(rec, 'inflight');
        break;
      }
      case 'timer':
        result.timerOverheadNs = num(rec, 'overhead_ns');
        break;
      case 'stats':
        addStats(result, rec);
        break;
      case 'worker':
        parseWorker(rec, result.workers, version);
        break;
      case 'hist':
        parseHist(rec, maxRelErrPct, result.histograms);
        break;
      default:
        break; // a record a newer module added
    }
  }

  if (!resultRec) throw new ParseError('dma_bench result has no "result" line');
  // Array.from visits the holes a sparse array has (some() skips them).
  if (Array.from(result.threads).some((t) => t === undefined)) throw new ParseError('dma_bench result skips a thread number');
  if (Array.from(result.workers).some((w) => w === undefined)) throw new ParseError('dma_bench result skips a worker number');
  if (version >= 2 && result.workers.length !== result.threads.length) {
    throw new ParseError(`dma_bench result has ${result.workers.length} worker records for ${result.threads.length} threads`);
  }
  joinHistogramsToStats(result);
  // report.c prints the timer's overhead_ns as the p50 of the all-threads timer stats: two copies of one number.
  const timerP50 = result.all?.phases.timer?.p50;
  if (result.timerOverheadNs !== undefined && timerP50 !== undefined && result.timerOverheadNs !== timerP50) {
    throw new ParseError(`dma_bench result: timer overhead_ns=${result.timerOverheadNs} is not the timer stats' p50=${timerP50}`);
  }
  if (result.status === 'ok' || result.status === 'fallback') {
    for (const phase of ['map', 'unmap', 'total'] as const) {
      if (!result.all?.phases[phase]) throw new ParseError(`dma_bench result with status ${result.status} lacks the all-threads ${phase} stats`);
    }
    if (!(result.batch >= 1)) throw new ParseError(`dma_bench result with status ${result.status} has batch=${result.batch}`);
    if (result.inflight !== undefined && result.inflight < result.batch) {
      throw new ParseError(`dma_bench result with status ${result.status} has inflight=${result.inflight} below batch=${result.batch}`);
    }
  }
  return result;
}
