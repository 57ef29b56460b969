// The system state's record of the benchmarked devices (issue 11 item 7, review M17): on this
// machine's real sysfs (which may have no IOMMU at all: then the record says so), and on a tree
// laid out like the lab guest's sysfs (device, group and register values from the lab's own
// records: test/fixtures/bundles/lab-profile-schema2-7.2, test/fixtures/lab/console-7.2.13-strict.log)
// for the case this machine cannot show: a box booted iommu=pt whose NVMe group alone was
// switched to DMA must record "strict", not the box's majority.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { collectSystemState } from '../../core/system/index.js';
import { gnuBuildId } from '../../core/system/build-id.js';
import { decodeIntelRegisters, kernelConfigValue, scalableModeFromCmdline } from '../../core/system/iommu-units.js';
import { splitCmdline } from '../../core/system/kernel.js';
import { manifestSchema } from '../../model/bundle.js';
import { fixture } from '../helpers/paths.js';
import { testManifest } from '../helpers/bundles.js';

test('the build id in /sys/kernel/notes is the one perf reads (captured, and on this boot)', async () => {
  const captured = await readFile(fixture('system', 'kernel-notes-6.18.44-fc-v1045.bin'));
  const perfSaid = (await readFile(fixture('system', 'kernel-notes-6.18.44-fc-v1045.perf-buildid.txt'), 'utf8')).trim();
  assert.equal(gnuBuildId(captured), perfSaid);
  // Truncated notes are no build id, not a wrong one.
  assert.equal(gnuBuildId(captured.subarray(0, 30)), undefined);

  const live = await execa('perf', ['buildid-list', '-k'], { reject: false });
  assert.equal(live.exitCode, 0, `perf buildid-list -k: ${live.stderr}`);
  assert.equal((await collectSystemState({ tools: false })).kernel.buildId, live.stdout.trim());
});

test('Intel registers: the lab unit (QEMU caching-mode=on) is in caching mode and has no scalable mode', () => {
  // "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap d2008c22260286 ecap f00f4a" (lab console).
  const consoleText = '[    0.008000] DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap d2008c22260286 ecap f00f4a';
  const m = /cap ([0-9a-f]+) ecap ([0-9a-f]+)/.exec(consoleText)!;
  assert.deepEqual(decodeIntelRegisters(m[1], m[2]), { cachingMode: true, scalableModeSupported: false });
  assert.deepEqual(decodeIntelRegisters(undefined, 'zz'), {});
  assert.equal(scalableModeFromCmdline(splitCmdline('intel_iommu=on,sm_on iommu.strict=1')), 'on');
  assert.equal(scalableModeFromCmdline(splitCmdline('intel_iommu=sm_on intel_iommu=on,sm_off')), 'off');
  assert.equal(scalableModeFromCmdline(splitCmdline('intel_iommu=on')), undefined);
});

/** The block device under os.tmpdir() by findmnt and sysfs, independently of the probe: its name and queue directory. */
async function blockUnderTmp(): Promise<{ name: string; queueDir: string } | undefined> {
  const devno = (await execa('findmnt', ['-n', '-o', 'MAJ:MIN', '-T', tmpdir()], { reject: false })).stdout.trim();
  const dir = `/sys/dev/block/${devno}`;
  try {
    const name = path.basename(await readlink(dir));
    // A partition's queue is its disk's (the kernel resolves the link before '..').
    const partition = await readFile(`${dir}/partition`, 'utf8').then(() => true, () => false);
    return { name, queueDir: partition ? `${dir}/../queue` : `${dir}/queue` };
  } catch {
    return undefined;
  }
}

test("this machine's real sysfs: a file target is traced to its disk; without IOMMU groups the record says DMA is not translated", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-dma-'));
  try {
    const file = path.join(dir, 'scratch', 'w.dmabench-scratch');
    const s = await collectSystemState({ tools: false, targets: [{ workload: 'w', kind: 'file', path: file }] });
    assert.ok(manifestSchema.safeParse({ ...testManifest('x'), system: s }).success, 'the record passes the manifest schema');
    const t = s.dma!.targets[0]!;
    assert.equal(t.target, file);
    const disk = await blockUnderTmp();
    const d = t.devices[0]!;
    // Not the case here (ext4 on a virtio disk); on a tmpfs or btrfs /tmp there is another story to check.
    assert.ok(disk, `findmnt names no block device under ${tmpdir()}: this test expects one`);
    assert.equal(d.role, 'filesystem');
    assert.equal(d.name, disk.name);
    assert.equal(d.queue?.maxSegments, Number(await readFile(`${disk.queueDir}/max_segments`, 'utf8')));
    assert.equal(d.queue?.maxSectorsKb, Number(await readFile(`${disk.queueDir}/max_sectors_kb`, 'utf8')));
    assert.match(d.queue?.scheduler ?? '', /^[a-z0-9-]+$/, 'the active scheduler, without brackets');
    const groups = await readdir('/sys/kernel/iommu_groups');
    if (groups.length === 0) {
      // This development VM: no IOMMU at all.
      assert.equal(d.iommuGroup, null);
      assert.equal(t.iommuMode, 'off');
      assert.equal(t.note, 'no IOMMU groups on this box: DMA is not translated');
      assert.equal(s.iommu.mode, 'off');
      assert.equal(s.iommu.boxMode, 'off');
      assert.match(s.iommu.modeOf ?? '', /^benchmarked device of w, \S+ at [0-9a-f:.]+, in no IOMMU group$/);
      assert.deepEqual(s.dma!.units, []);
      assert.equal(s.dma!.cachingMode, undefined);
    } else if (d.iommuGroup !== null) {
      assert.equal(d.iommuGroupType, (await readFile(`/sys/kernel/iommu_groups/${d.iommuGroup}/type`, 'utf8')).trim());
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a Soft-RoCE target is recorded as having no PCI device; the box's mode is shown then", async () => {
  const s = await collectSystemState({ tools: false, targets: [{ workload: 'bw', kind: 'rdma', name: 'dmabench-no-such-rxe', softRoce: true }] });
  const t = s.dma!.targets[0]!;
  assert.equal(t.iommuMode, undefined);
  assert.match(t.devices[0]!.note ?? '', /no parent PCI device and no IOMMU group; Soft-RoCE \(rxe\) maps nothing through the DMA API/);
  assert.equal(s.iommu.mode, s.iommu.boxMode);
  assert.match(s.iommu.modeOf ?? '', /^no benchmarked device does DMA through a PCI device; /);
});

/** Writes `files` (path → content, or `-> target` for a symlink) under `root`. */
async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [p, content] of Object.entries(files)) {
    const at = path.join(root, p);
    await mkdir(path.dirname(at), { recursive: true });
    if (content.startsWith('-> ')) await symlink(content.slice(3), at);
    else await writeFile(at, content);
  }
}

test('M17: booted iommu=pt with only the NVMe group switched to DMA, the bundle records strict and the box passthrough', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'dmabench-sysfs-'));
  try {
    const nvme = '/sys/devices/pci0000:00/0000:00:02.0';
    const release = '7.2.13+deb14-amd64';
    const groups: Record<string, string> = {};
    // The lab guest's groups (0000:00:00.0 … 1f.x in groups 0-4, NVMe 0000:00:02.0 in group 2), all identity but the NVMe's.
    for (const [id, dev] of [['0', '0000:00:00.0'], ['1', '0000:00:01.0'], ['2', '0000:00:02.0'], ['3', '0000:00:03.0'], ['4', '0000:00:1f.0']] as const) {
      groups[`/sys/kernel/iommu_groups/${id}/type`] = id === '2' ? 'DMA\n' : 'identity\n';
      groups[`/sys/kernel/iommu_groups/${id}/devices/${dev}`] = '';
    }
    await tree(root, {
      ...groups,
      '/proc/sys/kernel/osrelease': `${release}\n`,
      '/proc/cmdline': 'intel_iommu=on iommu=pt console=ttyS0\n',
      '/boot/config-7.2.13+deb14-amd64': await readFile(fixture('system', 'lab-config-7.2.13+deb14-amd64-iommu.txt'), 'utf8'),
      '/sys/class/iommu/dmar0/intel-iommu/cap': 'd2008c22260286\n',
      '/sys/class/iommu/dmar0/intel-iommu/ecap': 'f00f4a\n',
      [`${nvme}/iommu_group`]: '-> ../../../kernel/iommu_groups/2',
      [`${nvme}/nvme/nvme0/model`]: 'QEMU NVMe Ctrl\n',
      [`${nvme}/nvme/nvme0/nvme0n1/device`]: '-> ../../nvme0',
      [`${nvme}/nvme/nvme0/nvme0n1/size`]: '2097152\n',
      [`${nvme}/nvme/nvme0/nvme0n1/queue/max_segments`]: '33\n',
      [`${nvme}/nvme/nvme0/nvme0n1/queue/max_segment_size`]: '4294967295\n',
      [`${nvme}/nvme/nvme0/nvme0n1/queue/max_sectors_kb`]: '128\n',
      [`${nvme}/nvme/nvme0/nvme0n1/queue/virt_boundary_mask`]: '4095\n',
      [`${nvme}/nvme/nvme0/nvme0n1/queue/nomerges`]: '0\n',
      [`${nvme}/nvme/nvme0/nvme0n1/queue/scheduler`]: '[none] mq-deadline\n',
      '/sys/class/block/nvme0n1': '-> ../../devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1',
      '/sys/class/nvme/nvme0': '-> ../../devices/pci0000:00/0000:00:02.0/nvme/nvme0',
      '/sys/module/nvme/parameters/sgl_threshold': '32768\n',
    });
    const s = await collectSystemState({ root, tools: false, targets: [{ workload: 'nvme-randread-64k', kind: 'block', path: '/dev/nvme0n1' }] });
    assert.equal(s.iommu.boxMode, 'passthrough', 'most groups are identity');
    assert.equal(s.iommu.mode, 'strict', "the benchmarked device's group is DMA");
    assert.equal(s.iommu.modeOf, 'benchmarked device of nvme-randread-64k, nvme0n1 at 0000:00:02.0, IOMMU group 2 (DMA)');
    const t = s.dma!.targets[0]!;
    assert.deepEqual(t.devices, [
      {
        role: 'target',
        name: 'nvme0n1',
        model: 'QEMU NVMe Ctrl',
        queue: { maxSegments: 33, maxSegmentSize: 4294967295, maxSectorsKb: 128, virtBoundaryMask: 4095, nomerges: 0, scheduler: 'none' },
        pci: '0000:00:02.0',
        iommuGroup: '2',
        iommuGroupType: 'DMA',
      },
    ]);
    assert.equal(s.dma!.nvmeSglThreshold, 32768);
    assert.equal(s.dma!.cachingMode, true);
    assert.deepEqual(s.dma!.scalableMode, { configDefaultOn: true, supported: false, inUse: false });
    assert.equal(await kernelConfigValue(root, release, 'CONFIG_INTEL_IOMMU_DEFAULT_ON'), null);
    assert.equal(await kernelConfigValue(root, release, 'CONFIG_INTEL_IOMMU'), 'y');
    assert.equal(await kernelConfigValue(root, '0.0-none', 'CONFIG_INTEL_IOMMU'), undefined);
    // Without targets (doctor) the box's mode stays what it was.
    const box = await collectSystemState({ root, tools: false });
    assert.equal(box.iommu.mode, 'passthrough');
    assert.equal(box.iommu.modeOf, 'the most common IOMMU group type of the box');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
