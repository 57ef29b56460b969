// `dmabench ingest`: parse a raw tool output made elsewhere. Each tool folder contributes a
// detector (a look at the file's first bytes) and a parser; the detectors are tried in order,
// the most specific formats first.
import type { FoldedOutputOptions, IngestParser, IngestResult } from '../model/ingest.js';
import { ParseError } from '../model/parse-error.js';
import { readTextHead } from '../core/text/read-file.js';

/**
 * The parsers in the order their detectors are tried, each loaded only when needed: `--tool X`
 * loads X's module alone (for `--tool perf-script --folded`, the other parsers' modules took
 * a tenth of the run).
 */
const registry: { tool: string; load: () => Promise<IngestParser> }[] = [
  { tool: 'fio', load: async () => (await import('./fio/ingest.js')).fioIngest },
  { tool: 'ib_write_bw', load: async () => (await import('./perftest/ingest.js')).ibWriteBwIngest },
  { tool: 'perf-stat-json', load: async () => (await import('./perf/ingest.js')).perfStatJsonIngest },
  { tool: 'perf-stat', load: async () => (await import('./perf/ingest.js')).perfStatCsvIngest },
  { tool: 'trace-cmd', load: async () => (await import('./ftrace/ingest.js')).traceCmdIngest },
  { tool: 'ftrace-graph', load: async () => (await import('./ftrace/ingest.js')).ftraceGraphIngest },
  { tool: 'ftrace', load: async () => (await import('./ftrace/ingest.js')).ftraceIngest },
  { tool: 'perf-script', load: async () => (await import('./perf/script-ingest.js')).perfScriptIngest },
  { tool: 'folded', load: async () => (await import('./perf/ingest.js')).foldedIngest },
];

/** The tools `ingest` knows, in detection order. */
export const ingestTools: string[] = registry.map((e) => e.tool);

async function load(entry: { tool: string; load: () => Promise<IngestParser> }): Promise<IngestParser> {
  const parser = await entry.load();
  if (parser.tool !== entry.tool) throw new Error(`ingest registry: ${entry.tool} loads the parser of ${parser.tool}`);
  return parser;
}

/** Every parser, loaded, in detection order. */
export async function ingestParsers(): Promise<IngestParser[]> {
  return Promise.all(registry.map(load));
}

export async function ingestFile(file: string, tool?: string): Promise<IngestResult> {
  return (await parserFor(file, tool)).ingest(file);
}

/** `ingest --folded`: the file's stacks in FlameGraph's folded format, for parsers that have stacks. */
export async function foldedFile(file: string, tool: string | undefined, opts: FoldedOutputOptions): Promise<AsyncIterable<Uint8Array>> {
  const parser = await parserFor(file, tool);
  if (!parser.folded) {
    const able = (await ingestParsers()).filter((p) => p.folded).map((p) => p.tool);
    throw new ParseError(`${file}: --folded needs call stacks, which ${parser.tool} output has not (only ${able.join(', ')})`);
  }
  return parser.folded(file, opts);
}

async function parserFor(file: string, tool: string | undefined): Promise<IngestParser> {
  if (tool) {
    const entry = registry.find((e) => e.tool === tool);
    if (!entry) throw new ParseError(`${file}: unknown --tool ${tool} (known: ${ingestTools.join(', ')})`);
    return load(entry);
  }
  const head = await readTextHead(file);
  const parser = (await ingestParsers()).find((p) => p.detect(head));
  if (!parser) throw new ParseError(`${file}: cannot tell which tool wrote this file; pass --tool (${ingestTools.join(', ')})`);
  return parser;
}
