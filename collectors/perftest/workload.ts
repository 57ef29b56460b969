// Adapts the ib_write_bw collector to the runner's WorkloadCollector interface. RDMA options
// (device, rxe, remote.*, port, gid_index) are plain matrix values, so the campaign schema stays
// tool-agnostic; `target` does not apply to RDMA and is refused.
import type { WorkloadCollector } from '../../model/workload-collector.js';
import type { Workload } from '../../model/campaign.js';
import type { CellParams } from '../../model/cell.js';
import type { BenchTarget } from '../../model/dma-setup.js';
import { assertToolInstalled } from '../../core/proc/tool-check.js';
import { estimatePerftestSeconds } from './estimate.js';
import { parsePerftestParams, validatePerftestParams } from './params.js';
import { runIbWriteBw } from './run.js';

export const ibWriteBwWorkload: WorkloadCollector = {
  tool: 'ib_write_bw',

  validateParams(params: CellParams) {
    return validatePerftestParams(params);
  },

  estimateSeconds(_workload: Workload, params: CellParams): number {
    return estimatePerftestSeconds(parsePerftestParams(params));
  },

  async preflight(workload: Workload, cells: CellParams[]): Promise<void> {
    if (workload.target) throw new Error(`workload ${workload.name}: ib_write_bw takes no target (it is RDMA, not block I/O); remove target`);
    const params = cells.map(parsePerftestParams);
    await assertToolInstalled('ib_write_bw', ['--version'], 'perftest');
    if (params.some((p) => p.rxe)) {
      await assertToolInstalled('rdma', ['-V'], 'iproute2');
      await assertToolInstalled('ip', ['-V'], 'iproute2');
      await assertToolInstalled('modprobe', ['--version'], 'kmod');
    }
    if (params.some((p) => p.remote)) await assertToolInstalled('ssh', ['-V'], 'openssh-client');
  },

  async benchTargets(workload: Workload, cells: CellParams[]): Promise<BenchTarget[]> {
    const devices = new Map(cells.map(parsePerftestParams).map((p) => [p.device ?? '', p.rxe]));
    return [...devices].map(([name, rxe]) => ({ workload: workload.name, kind: 'rdma', ...(name !== '' && { name }), softRoce: rxe }));
  },

  async run(ctx) {
    const params = parsePerftestParams(ctx.params);
    const { measurements, toolMs } = await runIbWriteBw(params, { rawDir: ctx.rawDir, signal: ctx.signal, log: ctx.log });
    return { measurements, toolMs };
  },
};
