// `dmabench ingest` for fio: its JSON or json+ output, with whatever text fio printed around it.
import { readFile } from 'node:fs/promises';
import type { IngestParser } from '../../model/ingest.js';
import { parseFioOutput } from './parse.js';
import { fioMeasurements } from './metrics.js';

export const fioIngest: IngestParser = {
  tool: 'fio',
  detect: (head) => head.includes('"fio version"'),
  async ingest(file) {
    const result = parseFioOutput(await readFile(file, 'utf8'), file);
    return { tool: 'fio', file, measurements: fioMeasurements(result), summary: { fioVersion: result.fioVersion, jobs: result.jobs.length } };
  },
};
