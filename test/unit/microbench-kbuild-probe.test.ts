// The Kbuild probe that refuses kernels without the generic driver_override helper, run by the
// real GNU make over header trees: excerpts of 7.2's own headers (which have the helper and no
// PCI field of its own), and the same excerpts made to look like a kernel without the helper or
// with PCI's own driver_override. The whole build against real lab headers, with the helper
// taken out, is in test/lab/lab-microbench.test.ts; this machine has no kernel headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/paths.js';
import { kbuildFailureMessage, kbuildRefusal } from '../../collectors/microbench/build.js';

const kbuild = path.join(repoRoot, 'benches', 'dma_bench', 'Kbuild');
const captured = path.join(repoRoot, 'test', 'fixtures', 'dma_bench', 'kbuild-probe', '7.2.13+deb14', 'include', 'linux');
const deviceH = await fs.readFile(path.join(captured, 'device.h'), 'utf8');
const pciH = await fs.readFile(path.join(captured, 'pci.h'), 'utf8');

/** device.h as before Linux 7.0: no code mentions driver_override; comments that name the helper stay. */
function withoutGenericHelper(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.includes('driver_override') || /^\s*(\/\*\*|\*)/.test(l))
    .join('\n');
}

/** pci.h with struct pci_dev's own field, as PCI declared it before it matched through struct device. */
function withPciOwnField(text: string): string {
  return text.replace('struct pci_dev {\n', 'struct pci_dev {\n\tconst char\t\t*driver_override; /* Driver name to force a match */\n');
}

/** Run the Kbuild's probe with this srctree: make's exit code and output. */
async function probe(root: string, files: { device?: string; pci?: string }): Promise<{ exitCode: number | undefined; output: string; srctree: string }> {
  const srctree = path.join(root, 'src');
  const inc = path.join(srctree, 'include', 'linux');
  await fs.rm(srctree, { recursive: true, force: true });
  await fs.mkdir(inc, { recursive: true });
  if (files.device !== undefined) await fs.writeFile(path.join(inc, 'device.h'), files.device);
  if (files.pci !== undefined) await fs.writeFile(path.join(inc, 'pci.h'), files.pci);
  const harness = path.join(root, 'harness.mk');
  await fs.writeFile(harness, `include ${kbuild}\n.PHONY: probe-passed\nprobe-passed: ; @echo probe passed\n`);
  const r = await execa('make', ['-s', '-f', harness, `srctree=${srctree}`, 'probe-passed'], { all: true, reject: false, env: { LC_ALL: 'C' } });
  return { exitCode: r.exitCode, output: r.all ?? '', srctree };
}

const helperRefusal = (srctree: string): string =>
  `dma_bench needs the generic driver_override helper of Linux 7.0 and later (device_set_driver_override() with struct device::driver_override) and ${srctree}/include/linux/device.h defines neither; older kernels are not supported`;

test('the captured headers hold what the probe looks for (else the variants below prove nothing)', () => {
  assert.match(deviceH, /^static inline int device_set_driver_override\(struct device \*dev, const char \*s\)$/m);
  assert.match(deviceH, /^ \*\t\t {5}device_set_driver_override\(\) instead\.$/m, 'a comment naming the helper');
  assert.notEqual(withoutGenericHelper(deviceH), deviceH);
  assert.doesNotMatch(withoutGenericHelper(deviceH), /^[^*]*\bdevice_set_driver_override\(struct/m);
  assert.doesNotMatch(pciH, /\*driver_override;/);
  assert.notEqual(withPciOwnField(pciH), pciH);
});

test('7.2 headers (generic helper, PCI matching through it): the probe passes', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-kbuild-probe-'));
  try {
    const r = await probe(root, { device: deviceH, pci: pciH });
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(r.output.trim(), 'probe passed');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('no generic helper (only comments name it): make stops with the refusal, which the collector reports in one line', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-kbuild-probe-'));
  try {
    const r = await probe(root, { device: withoutGenericHelper(deviceH), pci: withPciOwnField(pciH) });
    assert.equal(r.exitCode, 2);
    assert.doesNotMatch(r.output, /probe passed/);
    assert.match(r.output, /Kbuild:\d+: \*\*\* dma_bench needs the generic driver_override helper/);
    assert.equal(kbuildRefusal(r.output), helperRefusal(r.srctree));
    const message = kbuildFailureMessage(r.output, '/usr/src/linux-headers-6.16.0-amd64', 'exit 2');
    assert.equal(message, `dma_bench cannot be built against /usr/src/linux-headers-6.16.0-amd64: ${helperRefusal(r.srctree)}`);
    assert.doesNotMatch(message, /\n/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('no device.h at all (srctree is not a kernel tree): the same refusal, naming the file it looked at', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-kbuild-probe-'));
  try {
    const r = await probe(root, {});
    assert.equal(r.exitCode, 2);
    assert.equal(kbuildRefusal(r.output), helperRefusal(r.srctree));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('generic helper but struct pci_dev keeps its own driver_override: refused, naming pci.h', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-kbuild-probe-'));
  try {
    const r = await probe(root, { device: deviceH, pci: withPciOwnField(pciH) });
    assert.equal(r.exitCode, 2);
    assert.equal(
      kbuildRefusal(r.output),
      `dma_bench needs PCI to match devices through the generic driver_override helper, but struct pci_dev in ${r.srctree}/include/linux/pci.h still has a driver_override of its own; this kernel is not supported`,
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('real kbuild output of the refusal (7.2 headers without the helper, make 4.4.1): one line, verbatim', async () => {
  const output = await fs.readFile(path.join(repoRoot, 'test', 'fixtures', 'dma_bench', 'build', '7.2-no-generic-helper.make.txt'), 'utf8');
  const refusal = helperRefusal('/usr/src/dmabench-capture-common');
  assert.equal(kbuildRefusal(output), refusal);
  assert.equal(kbuildFailureMessage(output, '/usr/src/dmabench-capture-arch', 'exit 2'), `dma_bench cannot be built against /usr/src/dmabench-capture-arch: ${refusal}`);
});

// The API probes: the link API and dma_map_phys are found in dma-mapping.h, not by version number.
const dmaMappingH = async (release: string): Promise<string> =>
  fs.readFile(path.join(repoRoot, 'test', 'fixtures', 'dma_bench', 'kbuild-probe', release, 'include', 'linux', 'dma-mapping.h'), 'utf8');

/** The -D flags the Kbuild adds for this dma-mapping.h (make prints ccflags-y). */
async function apiFlags(root: string, dmaMapping: string): Promise<string[]> {
  const inc = path.join(root, 'src', 'include', 'linux');
  await fs.mkdir(inc, { recursive: true });
  await fs.writeFile(path.join(inc, 'device.h'), deviceH);
  await fs.writeFile(path.join(inc, 'pci.h'), pciH);
  await fs.writeFile(path.join(inc, 'dma-mapping.h'), dmaMapping);
  const harness = path.join(root, 'flags.mk');
  await fs.writeFile(harness, `include ${kbuild}\n.PHONY: flags\nflags: ; @echo $(ccflags-y)\n`);
  const r = await execa('make', ['-s', '-f', harness, `srctree=${path.join(root, 'src')}`, 'flags'], { all: true, reject: false, env: { LC_ALL: 'C' } });
  assert.equal(r.exitCode, 0, r.all);
  return (r.all ?? '').split(/\s+/).filter(Boolean);
}

/** The header with the lines declaring `name` (inline stubs included) taken out. */
function withoutDeclaration(text: string, name: string): string {
  const out = text.replace(new RegExp(`^.*\\b${name}\\(.*$`, 'gm'), '');
  assert.notEqual(out, text, `${name} was declared`);
  return out;
}

test('API probes on the real dma-mapping.h: 7.2 has the link API and dma_map_phys, 6.12 neither', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-kbuild-probe-'));
  try {
    const h72 = await dmaMappingH('7.2.13+deb14');
    const h612 = await dmaMappingH('6.12.117+deb13');
    assert.deepEqual(await apiFlags(root, h72), ['-DDMA_BENCH_HAVE_LINK=1', '-DDMA_BENCH_HAVE_MAP_PHYS=1']);
    assert.deepEqual(await apiFlags(root, h612), []);
    // 6.16/6.17: the link API without dma_map_phys; a backport missing one link function: no link path.
    assert.deepEqual(await apiFlags(root, withoutDeclaration(h72, 'dma_map_phys')), ['-DDMA_BENCH_HAVE_LINK=1']);
    assert.deepEqual(await apiFlags(root, withoutDeclaration(h72, 'dma_iova_sync')), ['-DDMA_BENCH_HAVE_MAP_PHYS=1']);
    // A mention in a comment is not a declaration.
    assert.deepEqual(await apiFlags(root, `${h612}\n/* dma_iova_try_alloc() and dma_map_phys() came later */\n`), []);
    // An empty one: nothing declared, nothing defined.
    assert.deepEqual(await apiFlags(root, ''), []);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
