import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { splitCmdline } from '../../core/system/kernel.js';
import {
  iommuVendorOf,
  modeFromCmdline,
  modeFromGroupTypes,
  parseIommuCmdline,
  probeIommu,
  resolveIommuMode,
} from '../../core/system/iommu.js';

const cmdline = readFileSync('/proc/cmdline', 'utf8').trim();

test('IOMMU groups and mode match /sys/kernel/iommu_groups listed directly', async () => {
  const ids = readdirSync('/sys/kernel/iommu_groups').sort((a, b) => Number(a) - Number(b));
  const info = await probeIommu('/', splitCmdline(cmdline));
  assert.deepEqual(info.groups.map((g) => g.id), ids);
  if (ids.length === 0) {
    assert.equal(info.mode, 'off');
    assert.equal(info.modeSource, 'no-groups');
  } else {
    assert.notEqual(info.mode, 'off');
  }
});

test('IOMMU units match /sys/class/iommu', async () => {
  const names = readdirSync('/sys/class/iommu').sort();
  const info = await probeIommu('/', splitCmdline(cmdline));
  assert.deepEqual(info.units.map((u) => u.name).sort(), names);
});

test('NVMe and RDMA devices are mapped to groups (as many as their class directories hold)', async () => {
  const count = (dir: string): number => {
    try {
      return readdirSync(dir).length;
    } catch {
      return 0;
    }
  };
  const info = await probeIommu('/', splitCmdline(cmdline));
  assert.equal(info.devices.filter((d) => d.kind === 'nvme').length, count('/sys/class/nvme'));
  assert.equal(info.devices.filter((d) => d.kind === 'rdma').length, count('/sys/class/infiniband'));
});

test('group types map to modes; the majority wins; VFIO-owned types say nothing', () => {
  assert.equal(modeFromGroupTypes(['DMA']), 'strict');
  assert.equal(modeFromGroupTypes(['DMA-FQ', 'DMA-FQ', 'identity']), 'lazy');
  assert.equal(modeFromGroupTypes(['identity']), 'passthrough');
  assert.equal(modeFromGroupTypes(['blocked', 'unmanaged']), undefined);
});

test('command line parameters of the lab and of Debian docs give the requested mode', () => {
  const lab = parseIommuCmdline(splitCmdline('root=rootfs intel_iommu=on iommu.strict=1 panic=-1'));
  assert.equal(modeFromCmdline(lab), 'strict');
  assert.deepEqual(lab.params, ['iommu.strict=1', 'intel_iommu=on']);
  assert.equal(modeFromCmdline(parseIommuCmdline(['iommu.strict=0'])), 'lazy');
  assert.equal(modeFromCmdline(parseIommuCmdline(['iommu.passthrough=1'])), 'passthrough');
  assert.equal(modeFromCmdline(parseIommuCmdline(['iommu=pt'])), 'passthrough');
  assert.equal(modeFromCmdline(parseIommuCmdline(['intel_iommu=off'])), 'off');
  assert.equal(modeFromCmdline(parseIommuCmdline(['amd_iommu=off'])), 'off');
  assert.equal(modeFromCmdline(parseIommuCmdline(['quiet'])), undefined);
});

test('sysfs decides before the command line; no groups means off', () => {
  const cmd = parseIommuCmdline(['iommu.strict=1']);
  assert.equal(resolveIommuMode([], cmd), 'off');
  assert.equal(resolveIommuMode([{ id: '0', type: 'DMA-FQ', devices: [] }], cmd), 'lazy');
  assert.equal(resolveIommuMode([{ id: '0', type: 'unknown', devices: [] }], cmd), 'strict');
  assert.equal(resolveIommuMode([{ id: '0', type: 'unknown', devices: [] }], parseIommuCmdline([])), 'unknown');
});

test('IOMMU unit names tell the vendor', () => {
  assert.equal(iommuVendorOf('dmar0'), 'intel');
  assert.equal(iommuVendorOf('ivhd0'), 'amd');
  assert.equal(iommuVendorOf('smmu3.0x0000000009050000'), 'arm-smmu');
});
