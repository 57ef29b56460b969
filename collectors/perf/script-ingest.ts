// `dmabench ingest` for perf script text (from `perf record -g`): samples, and with --folded the
// stacks in FlameGraph's folded format. Its own module, so that `ingest --tool perf-script
// --folded` loads only what folding needs. The detector looks at the first 64 KiB only.
import type { IngestParser } from '../../model/ingest.js';
import { ParseError } from '../../model/parse-error.js';
import { headLines } from '../../core/text/head.js';
import { eachChunk, openTextStream } from '../../core/text/read-file.js';
import { measure } from '../metric-spec.js';
import { PERF_METRICS } from './metrics.js';
import { PerfScriptFolder, foldPerfScript } from './script-fold.js';

// `comm pid[/tid] [cpu] time: period event:` then tab-indented `addr symbol (dso)` frames.
const PERF_SCRIPT_HEADER = /^\S.*?\s\d+(?:\/\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:\s/;
const PERF_SCRIPT_FRAME = /^\s+[0-9a-f]+ .+ \(.*\)$/;

export const perfScriptIngest: IngestParser = {
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
      measurements: [measure('perf.samples', r.samples, PERF_METRICS.samples)],
      summary: {
        samples: r.samples,
        stacks: r.stacks.size,
        ...(r.event === undefined ? {} : { event: r.event }),
        otherEventSamples: r.otherEventSamples,
        unrecognizedLines: r.unrecognized,
      },
    };
  },
  async *folded(file, opts) {
    const folder = new PerfScriptFolder({ weight: opts.sampleCounts ? 'samples' : 'period' });
    await eachChunk(file, FOLD_CHUNK_BYTES, (chunk) => folder.pushBytes(chunk));
    folder.end();
    yield* folder.foldedChunks(undefined, true);
  },
};

// Reads of 1 MiB: at 64 KiB, the reads alone took 15% of the run.
const FOLD_CHUNK_BYTES = 1024 * 1024;
