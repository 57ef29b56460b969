// A cell is one point of a campaign's matrix: a workload with one value per parameter.

/** Parameter values a matrix can take. */
export type ParamValue = string | number | boolean;
export type CellParams = Record<string, ParamValue>;

/**
 * Matrix parameters, per workload tool, that name something of the machine rather than the
 * experiment: the PCI address the microbenchmark borrows, the RDMA device and its GID table
 * index, the out-of-band TCP port, the remote peer. They are left out of cell keys
 * (core/campaign/matrix.ts cellKey), so the same experiment on another box, or with another
 * spare device, lines up in compare; the bundle still records them (manifest cells[].params,
 * the system state's benchmarked devices) and compare warns when the devices differ.
 */
export const MACHINE_SPECIFIC_PARAMS: Readonly<Record<string, readonly string[]>> = {
  fio: [],
  microbench: ['device'],
  ib_write_bw: ['device', 'gid_index', 'port', 'remote.host', 'remote.user', 'remote.ssh_options', 'remote.device'],
};
