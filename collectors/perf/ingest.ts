// `dmabench ingest` for perf: perf stat (CSV and JSON) and folded stacks (perf script: script-ingest.ts). Each
// detector looks at the first 64 KiB only; parsers read the file as a stream where they can.
import type { IngestParser, IngestResult } from '../../model/ingest.js';
import { contentLines, headLines } from '../../core/text/head.js';
import { openTextStream, readText } from '../../core/text/read-file.js';
import { parseFolded, total } from '../../core/text/folded-stacks.js';
import { parsePerfStat, parsePerfStatCsv } from './stat-parse.js';
import { multiplexedEvents, perfStatMeasurements } from './stat-measurements.js';
import { measure } from '../metric-spec.js';
import { PERF_METRICS } from './metrics.js';

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
