// `dmabench ingest` for profiler outputs: perf stat (CSV and JSON), perf script, folded stacks,
// ftrace `trace` text (function/nop and function_graph) and trace-cmd report. Each detector looks
// at the first 64 KiB only; parsers read the file as a stream where the parser allows it.
import type { IngestParser, IngestResult } from '../ingest.js';
import { ParseError, type Measurement } from '../../model/measurement.js';
import { openTextStream, readText } from '../../core/text/read-file.js';
import { parsePerfStat, parsePerfStatCsv } from './stat-parse.js';
import { perfStatMeasurements } from './stat-measurements.js';
import { foldPerfScript } from './script-fold.js';
import { parseFolded, total } from '../../core/bundle/folded-stacks.js';
import { summarizeTrace, traceMeasurements, traceSummaryJson, tracerOfHeader, type TraceSummary } from '../ftrace/trace-summary.js';
import { parseTraceCmdReport } from '../ftrace/trace-cmd-report.js';
import { parseTraceRecord } from '../ftrace/trace-line.js';

/** Lines of the head without the last one (it may be cut in the middle). */
function headLines(head: string, max = 200): string[] {
  const lines = head.split(/\r?\n/);
  if (!head.endsWith('\n')) lines.pop();
  return lines.slice(0, max);
}

function contentLines(head: string, max = 50): string[] {
  return headLines(head, 1000)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .slice(0, max);
}

const perfStatJsonIngest: IngestParser = {
  tool: 'perf-stat-json',
  detect(head) {
    const first = contentLines(head, 1)[0] ?? '';
    return first.trimStart().startsWith('{') && first.includes('"counter-value"');
  },
  ingest: ingestPerfStat('perf-stat-json'),
};

const perfStatCsvIngest: IngestParser = {
  tool: 'perf-stat',
  detect(head) {
    const lines = contentLines(head, 20);
    if (lines.length === 0) return false;
    try {
      const { events } = parsePerfStatCsv(lines);
      // An event name has letters; a generic numeric CSV would give digits here.
      return events.every((e) => /[A-Za-z]/.test(e.event));
    } catch {
      return false;
    }
  },
  ingest: ingestPerfStat('perf-stat'),
};

function ingestPerfStat(tool: string) {
  return async (file: string): Promise<IngestResult> => {
    const result = parsePerfStat(await readText(file));
    const absent = result.events.filter((e) => e.value === null).map((e) => `${e.event}: ${e.absent ?? 'absent'}`);
    return { tool, file, measurements: perfStatMeasurements(result), summary: { events: result.events.length, absent } };
  };
}

// `comm pid[/tid] [cpu] time: period event:` then tab-indented `addr symbol (dso)` frames.
const PERF_SCRIPT_HEADER = /^\S.*?\s\d+(?:\/\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:\s/;
const PERF_SCRIPT_FRAME = /^\s+[0-9a-f]+ .+ \(.*\)$/;

const perfScriptIngest: IngestParser = {
  tool: 'perf-script',
  detect(head) {
    const lines = headLines(head);
    const i = lines.findIndex((l) => PERF_SCRIPT_HEADER.test(l));
    return i >= 0 && PERF_SCRIPT_FRAME.test(lines[i + 1] ?? '');
  },
  async ingest(file) {
    const r = await foldPerfScript(await openTextStream(file));
    if (r.samples === 0) throw new ParseError(`${file}: no perf script samples`);
    return {
      tool: 'perf-script',
      file,
      measurements: [{ metric: 'perf.samples', value: r.samples, unit: 'count', better: 'lower' }],
      summary: { samples: r.samples, stacks: r.stacks.size, unrecognizedLines: r.unrecognized },
    };
  },
};

const FOLDED_LINE = /^\S.* \d+$/;

const foldedIngest: IngestParser = {
  tool: 'folded',
  detect(head) {
    const lines = headLines(head, 100).filter((l) => l.trim() !== '');
    return lines.length > 0 && lines.every((l) => FOLDED_LINE.test(l)) && lines.some((l) => l.includes(';'));
  },
  async ingest(file) {
    const stacks = await parseFolded(await openTextStream(file));
    const samples = total(stacks);
    return {
      tool: 'folded',
      file,
      measurements: [{ metric: 'perf.samples', value: samples, unit: 'count', better: 'lower' }],
      summary: { samples, stacks: stacks.size },
    };
  },
};

// function_graph lines: ` 1)   0.321 us    |  func();`, optionally after an abstime column.
const FGRAPH_LINE = /^\s*(?:\d+\.\d+\s+\|\s+)?\d+\)\s.*\|/;

const ftraceGraphIngest: IngestParser = {
  tool: 'ftrace-graph',
  detect(head) {
    const tracer = tracerOfHeader(head);
    if (tracer !== undefined) return tracer === 'function_graph';
    return contentLines(head, 5).some((l) => FGRAPH_LINE.test(l));
  },
  ingest: ingestTrace('ftrace-graph', 'function_graph'),
};

const ftraceIngest: IngestParser = {
  tool: 'ftrace',
  detect(head) {
    const tracer = tracerOfHeader(head);
    if (tracer !== undefined) return tracer === 'function' || tracer === 'nop';
    // trace_pipe has no header: records from the first line on.
    const lines = contentLines(head, 5);
    return lines.length > 0 && lines.every((l) => parseTraceRecord(l) !== undefined || /^\s*CPU:\d+ \[LOST/.test(l));
  },
  ingest: ingestTrace('ftrace', 'function'),
};

function ingestTrace(tool: string, tracer: 'function' | 'function_graph') {
  return async (file: string): Promise<IngestResult> => {
    const summary = await summarizeTrace(await openTextStream(file), tracer);
    assertUnderstood(file, summary);
    return { tool, file, measurements: traceMeasurements(summary), summary: traceSummaryJson(summary) };
  };
}

function assertUnderstood(file: string, s: TraceSummary): void {
  const understood = [...s.calls.values()].reduce((a, b) => a + b, 0) + [...s.events.values()].reduce((a, b) => a + b, 0) + s.iommu.map.count + s.iommu.unmap.count;
  if (understood === 0 && s.unparsed > 0) throw new ParseError(`${file}: no ftrace records understood (${s.unparsed} lines)`);
}

const traceCmdIngest: IngestParser = {
  tool: 'trace-cmd',
  detect(head) {
    const first = headLines(head, 5).find((l) => l.trim() !== '') ?? '';
    return /^(cpus=\d+|version = \d+)/.test(first);
  },
  async ingest(file) {
    const r = await parseTraceCmdReport(await openTextStream(file));
    if (r.records === 0) throw new ParseError(`${file}: no trace-cmd records`);
    // function_graph records give calls with durations; function records give calls only.
    const graphCalls = new Map([...r.graph.functions].map(([name, f]) => [name, f.calls]));
    const durations = new Map([...r.graph.functions].filter(([, f]) => f.durations.count > 0).map(([name, f]) => [name, f.durations.summary()]));
    const calls = new Map([...r.functions.calls, ...graphCalls]);
    const events = new Map([...r.events].filter(([e]) => !['function', 'funcgraph_entry', 'funcgraph_exit'].includes(e)));
    const summary: TraceSummary = {
      tracer: graphCalls.size > 0 ? 'function_graph' : r.functions.calls.size > 0 ? 'function' : 'nop',
      health: r.health,
      calls,
      durations,
      events,
      iommu: r.iommu,
      unparsed: r.unparsed,
    };
    const measurements: Measurement[] = traceMeasurements(summary);
    return { tool: 'trace-cmd', file, measurements, summary: { records: r.records, ...traceSummaryJson(summary) } };
  },
};

/** In detection order: the most specific formats first. */
export const profilerIngestParsers: IngestParser[] = [
  perfStatJsonIngest,
  perfStatCsvIngest,
  traceCmdIngest,
  ftraceGraphIngest,
  ftraceIngest,
  perfScriptIngest,
  foldedIngest,
];
