// `dmabench ingest`: parse a raw tool output made elsewhere. Each tool folder contributes a
// detector (a look at the file's first bytes) and a parser; the detectors are tried in order,
// the most specific formats first.
import type { FoldedOutputOptions, IngestParser, IngestResult } from '../model/ingest.js';
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
  return (await parserFor(file, tool)).ingest(file);
}

/** `ingest --folded`: the file's stacks in FlameGraph's folded format, for parsers that have stacks. */
export async function foldedFile(file: string, tool: string | undefined, opts: FoldedOutputOptions): Promise<AsyncIterable<Uint8Array>> {
  const parser = await parserFor(file, tool);
  if (!parser.folded) {
    const able = ingestParsers.filter((p) => p.folded).map((p) => p.tool);
    throw new ParseError(`${file}: --folded needs call stacks, which ${parser.tool} output has not (only ${able.join(', ')})`);
  }
  return parser.folded(file, opts);
}

async function parserFor(file: string, tool: string | undefined): Promise<IngestParser> {
  let parser: IngestParser | undefined;
  if (tool) {
    parser = ingestParsers.find((p) => p.tool === tool);
    if (!parser) throw new ParseError(`${file}: unknown --tool ${tool} (known: ${ingestParsers.map((p) => p.tool).join(', ')})`);
  } else {
    const head = await readTextHead(file);
    parser = ingestParsers.find((p) => p.detect(head));
    if (!parser) throw new ParseError(`${file}: cannot tell which tool wrote this file; pass --tool (${ingestParsers.map((p) => p.tool).join(', ')})`);
  }
  return parser;
}
