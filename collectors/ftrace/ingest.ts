// `dmabench ingest` for ftrace: `trace` text (function/nop and function_graph, trace_pipe too)
// and trace-cmd report. Each detector looks at the first 64 KiB only; parsers stream the file.
import type { IngestParser, IngestResult } from '../../model/ingest.js';
import type { Measurement } from '../../model/measurement.js';
import { ParseError } from '../../model/parse-error.js';
import { contentLines, headLines } from '../../core/text/head.js';
import { openTextStream } from '../../core/text/read-file.js';
import { summarizeTrace, traceMeasurements, traceSummaryJson, tracerOfHeader, type TraceSummary } from './trace-summary.js';
import { parseTraceCmdReport, traceCmdSummary } from './trace-cmd-report.js';
import { parseTraceRecord } from './trace-line.js';

// function_graph lines: ` 1)   0.321 us    |  func();`, optionally after an abstime column.
const FGRAPH_LINE = /^\s*(?:\d+\.\d+\s+\|\s+)?\d+\)\s.*\|/;

export const ftraceGraphIngest: IngestParser = {
  tool: 'ftrace-graph',
  detect(head) {
    const tracer = tracerOfHeader(head);
    if (tracer !== undefined) return tracer === 'function_graph';
    return contentLines(head, 5).some((l) => FGRAPH_LINE.test(l));
  },
  ingest: ingestTrace('ftrace-graph', 'function_graph'),
};

export const ftraceIngest: IngestParser = {
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

export const traceCmdIngest: IngestParser = {
  tool: 'trace-cmd',
  detect(head) {
    const first = headLines(head, 5).find((l) => l.trim() !== '') ?? '';
    return /^(cpus=\d+|version = \d+)/.test(first);
  },
  async ingest(file) {
    const r = await parseTraceCmdReport(await openTextStream(file));
    if (r.records === 0) throw new ParseError(`${file}: no trace-cmd records`);
    const summary = traceCmdSummary(r);
    const measurements: Measurement[] = traceMeasurements(summary);
    return { tool: 'trace-cmd', file, measurements, summary: { records: r.records, ...traceSummaryJson(summary) } };
  },
};
