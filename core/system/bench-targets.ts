// The devices a campaign benchmarks, traced down to what does their DMA (review M17): a block
// device (or the disk under a file's filesystem, through partitions, device-mapper, md, loop
// files and NVMe multipath) to its PCI function, the microbenchmark's PCI device, an RDMA device
// to its parent PCI function (Soft-RoCE has none). For each: the IOMMU group and the group's type
// (what decides the mapping path, whatever most groups of the box say), and a block device's
// queue limits. Read-only, and never an exception: what cannot be found is said in a note.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BenchDevice, BenchTarget, BenchTargetState, IommuModeName, QueueLimits } from '../../model/dma-setup.js';
import { NUMERIC_QUEUE_LIMIT_FILES, SOFT_ROCE_NO_DMA_API } from '../../model/dma-setup.js';
import { modeOfGroupType } from './iommu.js';
import { parseMountinfo } from './mountinfo.js';
import { dmaDeviceOf, pciIds, sysfsRealpath } from './sysfs-device.js';
import { exists, listDir, readText, readTrimmed } from './sysfs.js';

/** Stacked devices are followed this deep (dm on md on loop on a file on a disk). */
const MAX_DEPTH = 4;

/** major:minor of a dev_t as stat returns it (glibc's gnu_dev_major/minor split). */
export function devno(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}


/** A disk's queue limits (numbers as the kernel prints them; the scheduler is the bracketed name). */
export async function readQueueLimits(root: string, diskDir: string): Promise<QueueLimits> {
  const out: QueueLimits = {};
  const texts = await Promise.all(NUMERIC_QUEUE_LIMIT_FILES.map(([, file]) => readTrimmed(root, `${diskDir}/queue/${file}`)));
  NUMERIC_QUEUE_LIMIT_FILES.forEach(([key], i) => {
    const text = texts[i];
    if (text !== undefined && /^\d+$/.test(text)) (out as Record<string, number>)[key] = Number(text);
  });
  const scheduler = await readTrimmed(root, `${diskDir}/queue/scheduler`);
  const active = scheduler === undefined ? undefined : (/\[([^\]]+)\]/.exec(scheduler)?.[1] ?? scheduler);
  if (active !== undefined) out.scheduler = active;
  return out;
}

interface Walk {
  root: string;
  depth: number;
  seen: Set<string>;
}

/** A block device's sysfs directory (under /sys/devices) and what is below it. */
async function describeBlock(walk: Walk, sysDir: string, role: BenchDevice['role']): Promise<BenchDevice[]> {
  const { root } = walk;
  if (walk.seen.has(sysDir) || walk.depth > MAX_DEPTH) return [];
  walk.seen.add(sysDir);
  const name = path.basename(sysDir);
  const isPartition = (await readTrimmed(root, `${sysDir}/partition`)) !== undefined;
  const diskDir = isPartition ? path.dirname(sysDir) : sysDir;
  const [queue, model, dma, slaves, paths, backingFile] = await Promise.all([
    readQueueLimits(root, diskDir),
    readTrimmed(root, `${diskDir}/device/model`),
    dmaDeviceOf(root, diskDir),
    listDir(root, `${diskDir}/slaves`),
    listDir(root, `${diskDir}/multipath`),
    readTrimmed(root, `${diskDir}/loop/backing_file`),
  ]);
  const device: BenchDevice = {
    role,
    name,
    ...(model && { model }),
    queue,
    ...(dma.pci !== undefined && { pci: dma.pci }),
    iommuGroup: dma.group,
    ...(dma.groupType !== undefined && { iommuGroupType: dma.groupType }),
  };
  if (isPartition) device.note = `a partition of ${path.basename(diskDir)} (queue limits are the disk's)`;
  const below: BenchDevice[] = [];
  const deeper: Walk = { ...walk, depth: walk.depth + 1 };
  for (const s of slaves) {
    const dir = await sysfsRealpath(root, `/sys/class/block/${s}`);
    if (dir) below.push(...(await describeBlock(deeper, dir, 'below')));
  }
  for (const p of paths) {
    const dir = await sysfsRealpath(root, `${diskDir}/multipath/${p}`);
    if (dir) below.push(...(await describeBlock(deeper, dir, 'below')));
  }
  if (backingFile !== undefined) below.push(...(await fileDevices(deeper, backingFile.replace(/ \(deleted\)$/, ''), 'below')));
  if (dma.pci === undefined && below.length === 0 && !isPartition) device.note = 'a virtual device: no PCI device does its DMA';
  if (dma.pci === undefined && below.length > 0) device.note = `stacked (${slaves.length > 0 ? 'dm/md' : paths.length > 0 ? 'NVMe multipath' : 'loop'}): the DMA is done by the devices below`;
  return [device, ...below];
}

/** The block device a device node names: by its device number on this box, by its name in another root. */
async function blockDirOfNode(root: string, node: string): Promise<string | undefined> {
  if (root === '/') {
    try {
      const st = await stat(node, { bigint: true });
      if (st.isBlockDevice()) return sysfsRealpath(root, `/sys/dev/block/${devno(st.rdev)}`);
      return undefined;
    } catch {
      return undefined;
    }
  }
  return sysfsRealpath(root, `/sys/class/block/${path.basename(node)}`);
}

/** The disk under the filesystem holding `file` (or, for a file not yet created, its nearest existing directory). */
async function fileDevices(walk: Walk, file: string, role: BenchDevice['role']): Promise<BenchDevice[]> {
  const { root } = walk;
  if (root !== '/') return [{ role, name: file, iommuGroup: null, note: "a file in another machine's tree: its filesystem cannot be traced from here" }];
  let at = path.resolve(file);
  let st;
  for (;;) {
    try {
      st = await stat(at, { bigint: true });
      break;
    } catch {
      const up = path.dirname(at);
      if (up === at) return [{ role, name: file, iommuGroup: null, note: 'no part of the path exists' }];
      at = up;
    }
  }
  const number = devno(st.dev);
  const dir = await sysfsRealpath(root, `/sys/dev/block/${number}`);
  if (dir) return describeBlock(walk, dir, role);
  // btrfs, overlayfs, tmpfs, virtiofs, NFS: an anonymous device number. The mount may still name a disk.
  const mount = parseMountinfo((await readText(root, '/proc/self/mountinfo')) ?? '')
    .filter((m) => m.devno === number)
    .at(-1);
  if (mount?.source.startsWith('/dev/')) {
    const disk = await blockDirOfNode(root, mount.source);
    if (disk) return describeBlock(walk, disk, role);
  }
  const what = mount ? `${mount.fsType} (${mount.source}) mounted at ${mount.mountPoint}` : `device ${number}`;
  return [{ role, name: at, iommuGroup: null, note: `${what}: no block device under it` }];
}

async function blockTarget(walk: Walk, node: string): Promise<BenchDevice[]> {
  const dir = await blockDirOfNode(walk.root, node);
  if (!dir) return [{ role: 'target', name: node, iommuGroup: null, note: 'not a block device here' }];
  return describeBlock(walk, dir, 'target');
}

async function pciTarget(root: string, spec: Extract<BenchTarget, { kind: 'pci' }>): Promise<BenchDevice[]> {
  if (spec.address === undefined) return [{ role: 'target', name: spec.given, iommuGroup: null, note: spec.problem ?? 'the PCI device could not be resolved' }];
  const dir = `/sys/bus/pci/devices/${spec.address}`;
  if (!(await exists(root, dir))) return [{ role: 'target', name: spec.address, iommuGroup: null, note: `${dir} is missing` }];
  const [dma, model] = await Promise.all([dmaDeviceOf(root, dir), pciIds(root, spec.address)]);
  return [
    {
      role: 'target',
      name: spec.address,
      ...(model && { model }),
      pci: dma.pci ?? spec.address,
      iommuGroup: dma.group,
      ...(dma.groupType !== undefined && { iommuGroupType: dma.groupType }),
    },
  ];
}

const SOFT_ROCE_NOTE = `no parent PCI device and no IOMMU group; ${SOFT_ROCE_NO_DMA_API}`;

async function rdmaTarget(root: string, spec: Extract<BenchTarget, { kind: 'rdma' }>): Promise<BenchDevice[]> {
  const names = spec.name !== undefined ? [spec.name] : await listDir(root, '/sys/class/infiniband');
  if (names.length === 0) return [{ role: 'target', name: '(none)', iommuGroup: null, note: 'no RDMA device on this box' }];
  return Promise.all(
    names.map(async (name): Promise<BenchDevice> => {
      const dir = `/sys/class/infiniband/${name}`;
      if (!(await exists(root, dir))) {
        return { role: 'target', name, iommuGroup: null, note: spec.softRoce ? `created by the run over a veth pair; ${SOFT_ROCE_NOTE}` : 'no such RDMA device (yet)' };
      }
      const [dma, parent, model] = await Promise.all([dmaDeviceOf(root, dir), readTrimmed(root, `${dir}/parent`), readTrimmed(root, `${dir}/hca_type`)]);
      if (dma.pci === undefined) return { role: 'target', name, iommuGroup: null, note: `${parent ? `over ${parent}: ` : ''}${SOFT_ROCE_NOTE}` };
      return {
        role: 'target',
        name,
        ...(model && { model }),
        pci: dma.pci,
        iommuGroup: dma.group,
        ...(dma.groupType !== undefined && { iommuGroupType: dma.groupType }),
        ...(spec.name === undefined && { note: 'ib_write_bw uses the first device it finds' }),
      };
    }),
  );
}

/**
 * The IOMMU mode a target's DMA goes through, from the group type of the devices that do it (the
 * ones with a PCI function). None: no mode (Soft-RoCE, a filesystem without a disk).
 */
export function targetMode(devices: BenchDevice[], boxHasGroups: boolean): { mode?: IommuModeName; note?: string } {
  const dma = devices.filter((d) => d.pci !== undefined);
  if (dma.length === 0) return {};
  if (!boxHasGroups) return { mode: 'off', note: 'no IOMMU groups on this box: DMA is not translated' };
  const typeOf = (d: BenchDevice): string => (d.iommuGroup === null ? 'no group' : (d.iommuGroupType ?? 'unknown type'));
  const types = [...new Set(dma.map(typeOf))];
  if (types.length > 1) return { mode: 'unknown', note: `its devices' groups differ: ${dma.map((d) => `${d.pci} ${typeOf(d)}`).join(', ')}` };
  const only = dma[0]!;
  if (only.iommuGroup === null) return { mode: 'off', note: `${only.pci} is in no IOMMU group: its DMA is not translated` };
  const mode = modeOfGroupType(only.iommuGroupType ?? '');
  if (mode === undefined) return { mode: 'unknown', note: `group ${only.iommuGroup} has type ${only.iommuGroupType ?? '(unreadable)'}, not a default DMA domain` };
  return { mode };
}

function describeSpec(spec: BenchTarget): string {
  switch (spec.kind) {
    case 'block':
    case 'file':
      return spec.path;
    case 'pci':
      return spec.given;
    case 'rdma':
      return spec.name ?? '(first RDMA device)';
  }
}

/** Each target traced to its devices, in the order given; one target per distinct (workload, kind, target). */
export async function probeBenchTargets(root: string, specs: readonly BenchTarget[], boxHasGroups: boolean): Promise<BenchTargetState[]> {
  const unique = new Map<string, BenchTarget>();
  for (const s of specs) unique.set(`${s.workload}\u0000${s.kind}\u0000${describeSpec(s)}`, s);
  return Promise.all(
    [...unique.values()].map(async (spec): Promise<BenchTargetState> => {
      const walk: Walk = { root, depth: 0, seen: new Set() };
      const devices =
        spec.kind === 'block'
          ? await blockTarget(walk, spec.path)
          : spec.kind === 'file'
            ? await fileDevices(walk, spec.path, 'filesystem')
            : spec.kind === 'pci'
              ? await pciTarget(root, spec)
              : await rdmaTarget(root, spec);
      const { mode, note } = targetMode(devices, boxHasGroups);
      return {
        workload: spec.workload,
        kind: spec.kind,
        target: describeSpec(spec),
        devices,
        ...(mode !== undefined && { iommuMode: mode }),
        ...(note !== undefined && { note }),
      };
    }),
  );
}
