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

export interface IngestParser {
  tool: string;
  /** True when the head of a file looks like this tool's output. */
  detect(head: string): boolean;
  ingest(file: string): Promise<IngestResult>;
}
