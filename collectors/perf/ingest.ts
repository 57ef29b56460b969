// `dmabench ingest` for perf: perf stat (CSV and JSON), perf script and folded stacks. Each
// detector looks at the first 64 KiB only; parsers read the file as a stream where they can.
import type { IngestParser, IngestResult } from '../../model/ingest.js';
import { ParseError } from '../../model/parse-error.js';
import { contentLines, headLines } from '../../core/text/head.js';
import { eachChunk, openTextStream, readText } from '../../core/text/read-file.js';
import { parseFolded, total } from '../../core/text/folded-stacks.js';
import { parsePerfStat, parsePerfStatCsv } from './stat-parse.js';
import { multiplexedEvents, perfStatMeasurements } from './stat-measurements.js';
import { measure } from '../metric-spec.js';
import { PERF_METRICS } from './metrics.js';
import { PerfScriptFolder, foldPerfScript } from './script-fold.js';

export const perfStatJsonIngest: IngestParser = {
  tool: 'perf-stat-json',
  detect(head) {
    const first = contentLines(head, 1)[0] ?? '';
    return first.trimStart().startsWith('{') && first.includes('"counter-value"');
  },
  ingest: ingestPerfStat('perf-stat-json'),
};

export const perfStatCsvIngest: IngestParser = {
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
    return { tool, file, measurements: perfStatMeasurements(result), summary: { events: result.events.length, absent, multiplexed: multiplexedEvents(result) } };
  };
}

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
    yield* folder.foldedChunks();
  },
};

// Small enough that each chunk's text is an ordinary young string: above about 128 KiB V8 puts it
// in its large-object space, and converting the file cost ten times as much (93 MB: 100 ms
// instead of 10 ms on the development VM).
const FOLD_CHUNK_BYTES = 64 * 1024;

const FOLDED_LINE = /^\S.* \d+$/;

export const foldedIngest: IngestParser = {
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
      measurements: [measure('perf.samples', samples, PERF_METRICS.samples)],
      summary: { samples, stacks: stacks.size },
    };
  },
};
