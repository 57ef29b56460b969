// Bundles of another IOMMU setting, derived from bundles written from the real lab ones: every lab
// bundle of test/fixtures/bundles ran `--iommu strict` with QEMU's caching mode on, and a series
// test needs one box's strict and lazy runs (and a caching mode off) side by side. The
// transformation, applied to manifest.json only, is what `dmabench lab run --iommu MODE` (and
// `caching-mode=off`) records differently:
//   - system.kernel.cmdline and system.iommuDetail.cmdline.params: `iommu.strict=1` becomes
//     `iommu.strict=0` for lazy (lab/boot.ts's command lines), iommuDetail.cmdline.strict follows;
//   - system.iommu.mode and lab.iommu: the mode; system.iommu.groups[].type `DMA` becomes `DMA-FQ`
//     for lazy (the default domain type core/system/iommu.ts reads as lazy);
//   - lab.cachingMode (and system.dma.cachingMode where the bundle has it): the caching mode;
//   - the label's `iommu=strict cm=on` words follow.
// samples.jsonl is left as it is: the values stay those measured under strict; only the series a
// run belongs to is under test.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface Editable {
  label: string;
  system?: {
    kernel: { cmdline: string };
    iommu: { mode: string; groups: { type: string }[] };
    iommuDetail?: { cmdline?: { params?: string[]; strict?: boolean } };
    dma?: { cachingMode?: boolean };
  };
  lab?: { iommu: string; cachingMode: boolean };
}

export async function setIommuSetting(dir: string, setting: { mode: 'strict' | 'lazy'; cachingMode: boolean }): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8')) as Editable;
  const strictParam = `iommu.strict=${setting.mode === 'strict' ? 1 : 0}`;
  m.label = m.label.replace(/iommu=\w+/, `iommu=${setting.mode}`).replace(/cm=\w+/, `cm=${setting.cachingMode ? 'on' : 'off'}`);
  if (m.system) {
    m.system.kernel.cmdline = m.system.kernel.cmdline.replace(/iommu\.strict=\d/, strictParam);
    m.system.iommu.mode = setting.mode;
    for (const g of m.system.iommu.groups) if (g.type === 'DMA' || g.type === 'DMA-FQ') g.type = setting.mode === 'lazy' ? 'DMA-FQ' : 'DMA';
    const cmdline = m.system.iommuDetail?.cmdline;
    if (cmdline) {
      cmdline.params = cmdline.params?.map((p) => (p.startsWith('iommu.strict=') ? strictParam : p));
      cmdline.strict = setting.mode === 'strict';
    }
    if (m.system.dma) m.system.dma.cachingMode = setting.cachingMode;
  }
  if (m.lab) {
    m.lab.iommu = setting.mode;
    m.lab.cachingMode = setting.cachingMode;
  }
  await writeFile(file, JSON.stringify(m, null, 2) + '\n');
}
