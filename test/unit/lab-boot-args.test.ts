// The lab's pure pieces: QEMU arguments, kernel command line, the guest init script, job files,
// the IOMMU group parser (on real lab consoles) and the image cache's ready check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { kernelCommandLine, qemuArgs, type QemuArgsInput } from '../../lab/boot.js';
import { createGuestJob, guestFstab, guestInitScript, readGuestJobOutcome } from '../../lab/guest-init.js';
import { findReadyLabImage, labImageDir } from '../../lab/image.js';
import { nvmeDevices, parseIommuGroupLines } from '../../lab/iommu-groups.js';
import { fixture } from '../helpers/paths.js';

const base: QemuArgsInput = {
  vmlinuz: '/img/rootfs/boot/vmlinuz-7',
  append: 'console=ttyS0',
  iommu: 'strict',
  cachingMode: true,
  cpus: 2,
  memMiB: 2048,
  virtiofsSocket: '/tmp/x/virtiofs.sock',
  nvmeImage: '/tmp/x/nvme.img',
  edu: false,
};

/** The value following a flag, for every occurrence. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

test('qemuArgs: single-threaded TCG (QEMU 7.2 multi-threaded races kernel text patching), q35 with split irqchip, intel-iommu with caching mode, memfd-backed virtiofs, NVMe, no network', () => {
  const args = qemuArgs(base);
  assert.deepEqual(values(args, '-accel'), ['tcg,thread=single']);
  assert.deepEqual(values(args, '-cpu'), ['max']);
  assert.deepEqual(values(args, '-machine'), ['q35,kernel-irqchip=split']);
  assert.deepEqual(values(args, '-nic'), ['none']);
  assert.ok(args.includes('-no-reboot'));
  assert.deepEqual(values(args, '-object'), ['memory-backend-memfd,id=mem,size=2048M,share=on']);
  assert.deepEqual(values(args, '-m'), ['2048M']);
  const devices = values(args, '-device');
  assert.deepEqual(devices, [
    'intel-iommu,intremap=on,caching-mode=on',
    'vhost-user-fs-pci,chardev=vfs,tag=rootfs',
    'nvme,serial=dmabench0,drive=nvm',
  ]);
  assert.ok(!devices.some((d) => /virtio-net|e1000/.test(d)));
});

test('qemuArgs: iommu off omits the IOMMU device, caching mode off is passed through, spare devices are added', () => {
  const off = values(qemuArgs({ ...base, iommu: 'off' }), '-device');
  assert.ok(!off.some((d) => d.startsWith('intel-iommu')));
  const noCaching = values(qemuArgs({ ...base, cachingMode: false }), '-device');
  assert.ok(noCaching.includes('intel-iommu,intremap=on,caching-mode=off'));
  const spare = qemuArgs({ ...base, spareNvmeImage: '/tmp/x/spare.img', edu: true });
  assert.ok(values(spare, '-device').includes('nvme,serial=dmabench-spare,drive=nvmspare'));
  // edu behind a root port: on bus 1, not on the root bus.
  const devices = values(spare, '-device');
  assert.ok(devices.includes('pcie-root-port,id=edu-port,chassis=1'));
  assert.ok(devices.includes('edu,bus=edu-port'));
  assert.ok(devices.indexOf('pcie-root-port,id=edu-port,chassis=1') < devices.indexOf('edu,bus=edu-port'), 'the port before the device on it');
  assert.ok(values(spare, '-drive').includes('file=/tmp/x/spare.img,if=none,id=nvmspare,format=raw'));
});

test('qemuArgs: caller-owned disks become NVMe controllers with their serials; commas in paths are escaped, bad serials refused', () => {
  const args = qemuArgs({ ...base, disks: [{ file: '/tmp/x/a,b.img', serial: 'crash-1' }, { file: '/tmp/x/c.img', serial: 'c2' }] });
  assert.deepEqual(values(args, '-drive').slice(1), ['file=/tmp/x/a,,b.img,if=none,id=disk0,format=raw', 'file=/tmp/x/c.img,if=none,id=disk1,format=raw']);
  const devices = values(args, '-device');
  assert.ok(devices.includes('nvme,serial=crash-1,drive=disk0'));
  assert.ok(devices.includes('nvme,serial=c2,drive=disk1'));
  // The scratch NVMe stays first, so the guest's nvme0n1 is still the scratch disk when probed in order.
  assert.ok(devices.indexOf('nvme,serial=dmabench0,drive=nvm') < devices.indexOf('nvme,serial=crash-1,drive=disk0'));
  assert.throws(() => qemuArgs({ ...base, disks: [{ file: '/tmp/x/d.img', serial: 'x,drive=nvm' }] }), /lab disk serial/);
});

test('kernelCommandLine: each IOMMU mode gets its arguments, plus the virtiofs root and the job id', () => {
  assert.match(kernelCommandLine('strict', 'j1'), /^intel_iommu=on iommu\.strict=1 /);
  assert.match(kernelCommandLine('lazy', 'j1'), /^intel_iommu=on iommu\.strict=0 /);
  assert.match(kernelCommandLine('passthrough', 'j1'), /^intel_iommu=on iommu\.passthrough=1 /);
  assert.match(kernelCommandLine('off', 'j1'), /^intel_iommu=off /);
  const line = kernelCommandLine('strict', 'abc-1');
  for (const part of ['console=ttyS0', 'panic=-1', 'no_timer_check', 'rootfstype=virtiofs', 'root=rootfs', 'rw', 'init=/opt/dmabench-lab/init', 'dmabench.job=abc-1']) {
    assert.ok(line.split(' ').includes(part), part);
  }
});

test('the guest init script is valid bash and mounts everything through its fstab', async () => {
  const r = await execa('bash', ['-n'], { input: guestInitScript, reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  for (const fs of ['proc', 'sysfs', 'devtmpfs', 'tracefs', 'debugfs']) assert.match(guestFstab, new RegExp(`^${fs} `, 'm'));
  assert.match(guestFstab, /^tmpfs \/tmp /m);
  assert.match(guestFstab, /^tmpfs \/run /m);
});

test('createGuestJob writes argv NUL-separated, byte for byte, and rejects NUL inside an argument', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lab-job-'));
  try {
    const argv = ['sh', '-c', 'echo "$1"\nexit 3', '', 'a b;$(x)'];
    const job = await createGuestJob(root, argv);
    const bytes = await readFile(path.join(job.hostDir, 'cmd'), 'utf8');
    assert.deepEqual(bytes.split('\0'), [...argv, '']);
    // bash's mapfile, as the guest init uses it, gets the same argv back.
    const r = await execa('bash', ['-c', 'mapfile -d "" -t a <"$1"; printf "<%s>" "${a[@]}"', 'x', path.join(job.hostDir, 'cmd')]);
    assert.equal(r.stdout, argv.map((a) => `<${a}>`).join(''));
    await assert.rejects(createGuestJob(root, ['a\0b']), /NUL/);
    await assert.rejects(createGuestJob(root, []), /empty/);

    assert.deepEqual(await readGuestJobOutcome(job), { kind: 'no-exit-code' });
    await writeFile(path.join(job.hostDir, 'exit'), '3\n');
    assert.deepEqual(await readGuestJobOutcome(job), { kind: 'exited', exitCode: 3 });
    await writeFile(path.join(job.hostDir, 'init-error'), 'modprobe nvme failed\n');
    assert.deepEqual(await readGuestJobOutcome(job), { kind: 'init-error', message: 'modprobe nvme failed' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('parseIommuGroupLines finds the NVMe group type in real lab consoles', async () => {
  const strict = parseIommuGroupLines(await readFile(fixture('lab', 'console-7.2.13-strict.log'), 'utf8'));
  assert.equal(strict.release, '7.2.13+deb14-amd64');
  assert.deepEqual(nvmeDevices(strict.devices).map((d) => d.type), ['DMA']);
  assert.ok(strict.devices.length > 1);
  const pt = parseIommuGroupLines(await readFile(fixture('lab', 'console-6.12.117-passthrough.log'), 'utf8'));
  assert.equal(pt.release, '6.12.117+deb13-amd64');
  assert.deepEqual(nvmeDevices(pt.devices).map((d) => d.type), ['identity']);
  assert.ok(pt.devices.every((d) => d.type === 'identity'));
});

test('the image cache counts an image only with its ready stamp and its kernels in place', async () => {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'lab-cache-'));
  try {
    const dir = labImageDir(cache);
    const boot = path.join(dir, 'rootfs', 'boot');
    await mkdir(boot, { recursive: true });
    assert.equal(await findReadyLabImage(cache), undefined, 'no stamp: half built');
    const manifest = {
      recipe: path.basename(dir),
      key: 'k1',
      builtAt: '2026-01-01T00:00:00Z',
      buildSeconds: 1,
      kernels: [
        { id: '7', release: '7.2.13+deb14-amd64', cc: 'x86_64-linux-gnu-gcc-16' },
        { id: '6.12', release: '6.12.117+deb13-amd64', cc: 'x86_64-linux-gnu-gcc-14' },
      ],
      packages: {},
    };
    await writeFile(path.join(dir, 'ready'), JSON.stringify(manifest));
    assert.equal(await findReadyLabImage(cache), undefined, 'stamp but no kernels');
    await writeFile(path.join(boot, 'vmlinuz-7.2.13+deb14-amd64'), '');
    await writeFile(path.join(boot, 'vmlinuz-6.12.117+deb13-amd64'), '');
    const image = await findReadyLabImage(cache);
    assert.equal(image?.key, 'k1');
    assert.equal(image?.rootfs, path.join(dir, 'rootfs'));
    assert.deepEqual(image?.kernels.map((k) => [k.id, k.cc, k.headersDir]), [
      ['7', 'x86_64-linux-gnu-gcc-16', path.join(dir, 'rootfs/usr/src/linux-headers-7.2.13+deb14-amd64')],
      ['6.12', 'x86_64-linux-gnu-gcc-14', path.join(dir, 'rootfs/usr/src/linux-headers-6.12.117+deb13-amd64')],
    ]);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});
