// RDMA devices (/sys/class/infiniband): hardware HCAs and Soft-RoCE (rxe), their ports and netdevs.
import { listDir, readTrimmed } from './sysfs.js';

export interface RdmaPort {
  port: string;
  /** e.g. "4: ACTIVE" as the kernel prints it. */
  state?: string;
  physState?: string;
  linkLayer?: string;
  rate?: string;
  /** The network device of RoCE ports (gid_attrs/ndevs/0). */
  netdev?: string;
}

export interface RdmaDevice {
  name: string;
  nodeType?: string;
  firmware?: string;
  /** Soft-RoCE devices name their netdev in `parent`. */
  parent?: string;
  ports: RdmaPort[];
}

/** "4: ACTIVE" → true. */
export function portIsActive(state: string | undefined): boolean {
  return state !== undefined && /ACTIVE/.test(state);
}

export async function probeRdma(root: string): Promise<RdmaDevice[]> {
  const names = await listDir(root, '/sys/class/infiniband');
  return Promise.all(
    names.map(async (name) => {
      const dir = `/sys/class/infiniband/${name}`;
      const portIds = await listDir(root, `${dir}/ports`);
      const ports = await Promise.all(
        portIds.map(async (port): Promise<RdmaPort> => {
          const p = `${dir}/ports/${port}`;
          const [state, physState, linkLayer, rate, netdev] = await Promise.all([
            readTrimmed(root, `${p}/state`),
            readTrimmed(root, `${p}/phys_state`),
            readTrimmed(root, `${p}/link_layer`),
            readTrimmed(root, `${p}/rate`),
            readTrimmed(root, `${p}/gid_attrs/ndevs/0`),
          ]);
          return { port, state, physState, linkLayer, rate, netdev };
        }),
      );
      const [nodeType, firmware, parent] = await Promise.all([
        readTrimmed(root, `${dir}/node_type`),
        readTrimmed(root, `${dir}/fw_ver`),
        readTrimmed(root, `${dir}/parent`),
      ]);
      return { name, nodeType, firmware, parent, ports };
    }),
  );
}
