// Block devices: NVMe controllers and namespaces in detail (fio targets), other disks briefly.
// A disk is only safe for raw fio writes when neither it nor a partition is mounted and it carries
// no filesystem signature, so both are recorded.
import { parseMountinfo } from './mountinfo.js';
import { findExecutable, runTool } from './run-tool.js';
import { linkBasename, listDir, readText, readTrimmed } from './sysfs.js';

export type DiskKind = 'nvme' | 'virtio' | 'scsi' | 'loop' | 'zram' | 'dm' | 'md' | 'other';

export interface Signature {
  /** Filesystem (TYPE) or partition-table (PTTYPE) found by `blkid -p`; undefined when none. */
  type?: string;
  usage?: string;
  /** Why the signature could not be read (no blkid, permission, not probed on a guest root). */
  error?: string;
}

export interface PartitionInfo {
  name: string;
  devno: string;
  sizeBytes: number;
  mountPoints: string[];
  signature?: Signature;
}

export interface DiskInfo {
  name: string;
  kind: DiskKind;
  devno: string;
  sizeBytes: number;
  model?: string;
  readOnly: boolean;
  rotational?: boolean;
  /** For loop devices: the file behind it. */
  backingFile?: string;
  mountPoints: string[];
  partitions: PartitionInfo[];
  /** Devices stacked on it (device mapper, md). */
  holders: string[];
  signature?: Signature;
  /** It, a partition or a holder is mounted or used: raw writes would destroy data. */
  inUse: boolean;
}

export interface NvmeController {
  name: string;
  model?: string;
  serial?: string;
  firmware?: string;
  transport?: string;
  pci?: string;
  namespaces: string[];
}

export interface BlockDevicesInfo {
  nvmeControllers: NvmeController[];
  disks: DiskInfo[];
}

export function diskKindOf(name: string): DiskKind {
  if (/^nvme\d/.test(name)) return 'nvme';
  if (/^vd[a-z]/.test(name)) return 'virtio';
  if (/^sd[a-z]/.test(name)) return 'scsi';
  if (name.startsWith('loop')) return 'loop';
  if (name.startsWith('zram')) return 'zram';
  if (name.startsWith('dm-')) return 'dm';
  if (name.startsWith('md')) return 'md';
  return 'other';
}

/** Parses `blkid -p -o export` output (KEY=value lines). */
export function parseBlkidExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Low-level probe of one device node; blkid exits 2 when it finds no signature. */
export async function probeSignature(blkid: string | undefined, devicePath: string): Promise<Signature> {
  if (blkid === undefined) return { error: 'blkid not installed (util-linux)' };
  const run = await runTool(blkid, ['-p', '-o', 'export', devicePath], 3000);
  if (run.exitCode === 0) {
    const fields = parseBlkidExport(run.stdout);
    return { type: fields.TYPE ?? fields.PTTYPE, usage: fields.USAGE ?? (fields.PTTYPE ? 'partition-table' : undefined) };
  }
  if (run.exitCode === 2 && run.stderr.trim() === '') return {};
  return { error: run.stderr.trim() || run.error || `blkid exit ${run.exitCode ?? '?'}` };
}

async function sectorsToBytes(root: string, sysPath: string): Promise<number> {
  // sysfs `size` counts 512-byte sectors whatever the logical block size.
  return Number((await readTrimmed(root, `${sysPath}/size`)) ?? 0) * 512;
}

async function probeNvmeControllers(root: string): Promise<NvmeController[]> {
  const names = await listDir(root, '/sys/class/nvme');
  return Promise.all(
    names.map(async (name) => {
      const dir = `/sys/class/nvme/${name}`;
      const [model, serial, firmware, transport, pci, entries] = await Promise.all([
        readTrimmed(root, `${dir}/model`),
        readTrimmed(root, `${dir}/serial`),
        readTrimmed(root, `${dir}/firmware_rev`),
        readTrimmed(root, `${dir}/transport`),
        linkBasename(root, `${dir}/device`),
        listDir(root, dir),
      ]);
      const namespaces = entries.filter((e) => /^nvme\d+(c\d+)?n\d+$/.test(e));
      return { name, model, serial, firmware, transport, pci, namespaces };
    }),
  );
}

export interface ProbeBlockOptions {
  /** Run `blkid -p` on each device (only meaningful when root is '/': device nodes are the host's). */
  signatures?: boolean;
}

export async function probeBlockDevices(root: string, opts: ProbeBlockOptions = {}): Promise<BlockDevicesInfo> {
  const probeSignatures = opts.signatures ?? root === '/';
  const [names, mountinfo, nvmeControllers, blkid] = await Promise.all([
    listDir(root, '/sys/block'),
    readText(root, '/proc/self/mountinfo'),
    probeNvmeControllers(root),
    probeSignatures ? findExecutable('blkid') : Promise.resolve(undefined),
  ]);
  const mounts = parseMountinfo(mountinfo ?? '');
  const mountPointsOf = (devno: string): string[] =>
    mounts.filter((m) => m.devno === devno).map((m) => m.mountPoint);
  const signatureOf = (name: string): Promise<Signature> | undefined =>
    probeSignatures ? probeSignature(blkid, `/dev/${name}`) : undefined;

  const disks = await Promise.all(
    names.map(async (name): Promise<DiskInfo | undefined> => {
      const dir = `/sys/block/${name}`;
      const sizeBytes = await sectorsToBytes(root, dir);
      // Unattached loop devices and unused zram/ram disks have size 0: nothing to report.
      if (sizeBytes === 0) return undefined;
      const [devno, model, ro, rotational, backingFile, holders, entries] = await Promise.all([
        readTrimmed(root, `${dir}/dev`),
        readTrimmed(root, `${dir}/device/model`),
        readTrimmed(root, `${dir}/ro`),
        readTrimmed(root, `${dir}/queue/rotational`),
        readTrimmed(root, `${dir}/loop/backing_file`),
        listDir(root, `${dir}/holders`),
        listDir(root, dir),
      ]);
      const partitionNames = (
        await Promise.all(
          entries
            .filter((e) => e.startsWith(name))
            .map(async (e) => ((await readTrimmed(root, `${dir}/${e}/partition`)) !== undefined ? e : undefined)),
        )
      ).filter((e): e is string => e !== undefined);
      const partitions = await Promise.all(
        partitionNames.map(async (p): Promise<PartitionInfo> => {
          const pdevno = (await readTrimmed(root, `${dir}/${p}/dev`)) ?? '';
          return {
            name: p,
            devno: pdevno,
            sizeBytes: await sectorsToBytes(root, `${dir}/${p}`),
            mountPoints: mountPointsOf(pdevno),
            signature: await signatureOf(p),
          };
        }),
      );
      const mountPoints = mountPointsOf(devno ?? '');
      const inUse =
        mountPoints.length > 0 || holders.length > 0 || partitions.some((p) => p.mountPoints.length > 0);
      return {
        name,
        kind: diskKindOf(name),
        devno: devno ?? '',
        sizeBytes,
        model: model?.trim() || undefined,
        readOnly: ro === '1',
        rotational: rotational === undefined ? undefined : rotational === '1',
        backingFile,
        mountPoints,
        partitions,
        holders,
        signature: await signatureOf(name),
        inUse,
      };
    }),
  );
  return { nvmeControllers, disks: disks.filter((d): d is DiskInfo => d !== undefined) };
}
