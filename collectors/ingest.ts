// `dmabench ingest`: parse a raw tool output made elsewhere. Each tool folder contributes a
// detector (a look at the file's first bytes) and a parser; the detectors are tried in order,
// the most specific formats first.
import type { IngestParser, IngestResult } from '../model/ingest.js';
import { ParseError } from '../model/parse-error.js';
import { readTextHead } from '../core/text/read-file.js';
import { fioIngest } from './fio/ingest.js';
import { ibWriteBwIngest } from './perftest/ingest.js';
import { foldedIngest, perfScriptIngest, perfStatCsvIngest, perfStatJsonIngest } from './perf/ingest.js';
import { ftraceGraphIngest, ftraceIngest, traceCmdIngest } from './ftrace/ingest.js';

export const ingestParsers: IngestParser[] = [
  fioIngest,
  ibWriteBwIngest,
  perfStatJsonIngest,
  perfStatCsvIngest,
  traceCmdIngest,
  ftraceGraphIngest,
  ftraceIngest,
  perfScriptIngest,
  foldedIngest,
];

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
