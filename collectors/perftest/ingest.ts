// `dmabench ingest` for ib_write_bw: its stdout (either side) or its --out_json file.
// Detection by perftest's banner: the title line (`RDMA_Write BW Test`), the table header, or
// the JSON's `"test": "RDMA_Write_BW_Test"`.
import { readFile } from 'node:fs/promises';
import type { IngestParser } from '../../model/ingest.js';
import { perftestMeasurements } from './metrics.js';
import { parsePerftestJson, parsePerftestText } from './parse.js';

const TEXT_BANNER = /RDMA_Write (?:Bidirectional )?BW Test|#bytes\s+#iterations\s+BW peak\[/;
const JSON_BANNER = /"test"\s*:\s*"RDMA_Write_BW_Test"/;

function looksLikeJson(text: string): boolean {
  return /^\s*\{/.test(text);
}

export const ibWriteBwIngest: IngestParser = {
  tool: 'ib_write_bw',
  detect: (head) => TEXT_BANNER.test(head) || JSON_BANNER.test(head),
  async ingest(file) {
    const text = await readFile(file, 'utf8');
    if (looksLikeJson(text)) {
      const report = parsePerftestJson(text, file);
      // The JSON does not record --report_gbits: MiB/s is perftest's default.
      const unit = 'MiB/s';
      return {
        tool: 'ib_write_bw',
        file,
        measurements: perftestMeasurements(report.rows, unit),
        summary: { format: 'json', test: report.test, device: report.device, sizes: report.rows.length, repaired: report.repaired, unitNote: 'the JSON has no unit; MiB/s assumed (Gb/s if the run used --report_gbits)' },
      };
    }
    const report = parsePerftestText(text, file);
    return {
      tool: 'ib_write_bw',
      file,
      measurements: perftestMeasurements(report.rows, report.bwUnit),
      summary: { format: 'text', side: report.side, test: report.test, device: report.device, sizes: report.rows.length, bwUnit: report.bwUnit, peakMeasured: report.peakMeasured },
    };
  },
};
