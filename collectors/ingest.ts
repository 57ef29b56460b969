// `dmabench ingest`: parse a raw tool output made elsewhere. Each tool contributes a detector
// (a look at the file's first bytes) and a parser; the detectors are tried in order.
import { readFile } from 'node:fs/promises';
import type { Measurement } from '../model/measurement.js';
import { ParseError } from '../model/measurement.js';
import { parseFioOutput } from './fio/parse.js';
import { fioMeasurements } from './fio/metrics.js';
import { ibWriteBwIngest } from './perftest/ingest.js';
import { profilerIngestParsers } from './perf/ingest.js';
import { readTextHead } from '../core/text/read-file.js';

export interface IngestResult {
  tool: string;
  file: string;
  measurements: Measurement[];
  /** Tool-specific summary worth printing (sample totals, per-function counts, ...). */
  summary?: Record<string, unknown>;
}

export interface IngestParser {
  tool: string;
  /** True when the head of a file looks like this tool's output. */
  detect(head: string): boolean;
  ingest(file: string): Promise<IngestResult>;
}

const fioIngest: IngestParser = {
  tool: 'fio',
  detect: (head) => head.includes('"fio version"'),
  async ingest(file) {
    const result = parseFioOutput(await readFile(file, 'utf8'), file);
    return { tool: 'fio', file, measurements: fioMeasurements(result), summary: { fioVersion: result.fioVersion, jobs: result.jobs.length } };
  },
};

export const ingestParsers: IngestParser[] = [fioIngest, ibWriteBwIngest, ...profilerIngestParsers];

export async function ingestFile(file: string, tool?: string): Promise<IngestResult> {
  let parser: IngestParser | undefined;
  if (tool) {
    parser = ingestParsers.find((p) => p.tool === tool);
    if (!parser) throw new ParseError(`${file}: unknown --tool ${tool} (known: ${ingestParsers.map((p) => p.tool).join(', ')})`);
  } else {
    const head = await readTextHead(file);
    parser = ingestParsers.find((p) => p.detect(head));
    if (!parser) throw new ParseError(`${file}: cannot tell which tool wrote this file; pass --tool (${ingestParsers.map((p) => p.tool).join(', ')})`);
  }
  return parser.ingest(file);
}
