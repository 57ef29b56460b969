// `dmabench ingest` for fio: its JSON or json+ output, with whatever text fio printed around it.
import { readFile } from 'node:fs/promises';
import type { IngestParser } from '../../model/ingest.js';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { fioMeasurements } from './metrics.js';

export const fioIngest: IngestParser = {
  tool: 'fio',
  detect: (head) => head.includes('"fio version"'),
  async ingest(file) {
    const result = parseFioOutput(await readFile(file, 'utf8'), file);
    // A job's error code is no measurement (a failed fio run is a failed repetition); say it here.
    const jobsWithErrors = result.jobs.filter((j) => j.error !== 0).map((j) => ({ job: j.name, error: j.error }));
    return { tool: 'fio', file, measurements: fioMeasurements(result), summary: { fioVersion: result.fioVersion, jobs: result.jobs.length, jobsWithErrors } };
  },
};
