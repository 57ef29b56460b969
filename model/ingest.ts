// What `dmabench ingest` asks of each tool: detect its output from the first bytes of a file and
// parse the whole file into Measurements. Each tool folder under collectors/ provides its parsers;
// collectors/ingest.ts tries them in order.
import type { Measurement } from './measurement.js';

export interface IngestResult {
  tool: string;
  file: string;
  measurements: Measurement[];
  /** Tool-specific summary worth printing (sample totals, per-function counts, ...). */
  summary?: Record<string, unknown>;
}

/** How `dmabench ingest --folded` weighs each sample. */
export interface FoldedOutputOptions {
  /** One per sample instead of the period perf printed (stackcollapse-perf.pl's default). */
  sampleCounts?: boolean;
}

export interface IngestParser {
  tool: string;
  /** True when the head of a file looks like this tool's output. */
  detect(head: string): boolean;
  ingest(file: string): Promise<IngestResult>;
  /**
   * Profilers with call stacks: the file as FlameGraph folded stacks (`comm;root;…;leaf weight`
   * lines, sorted), as the bytes to print. A chunk's memory may be reused for a later one: the
   * reader is done with a chunk when it asks for the next.
   */
  folded?(file: string, opts: FoldedOutputOptions): AsyncIterable<Uint8Array>;
}
