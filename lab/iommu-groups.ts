// Reading the guest's IOMMU groups from its console: a fixed guest command prints one marked
// line per device (group, group type, PCI address, PCI class), and the parser picks them out
// of the console, where kernel messages may be interleaved.

/** Guest command (a constant: no host value is interpolated) listing every IOMMU group's devices. */
export const iommuGroupsCommand = [
  'sh',
  '-c',
  'uname -r; cat /sys/kernel/iommu_groups/*/type; ls /sys/kernel/iommu_groups/*/devices/; ' +
    'for g in /sys/kernel/iommu_groups/*; do [ -d "$g" ] || continue; t=$(cat "$g/type"); ' +
    'for d in "$g"/devices/*; do echo "dmabench-iommu-group ${g##*/} $t ${d##*/} $(cat "$d/class")"; done; done; ' +
    'echo "dmabench-uname $(uname -r)"',
];

export interface IommuGroupDevice {
  group: number;
  /** DMA, DMA-FQ, identity, ... as in /sys/kernel/iommu_groups/N/type */
  type: string;
  bdf: string;
  pciClass: string;
}

export function parseIommuGroupLines(consoleText: string): { release?: string; devices: IommuGroupDevice[] } {
  const devices: IommuGroupDevice[] = [];
  let release: string | undefined;
  for (const line of consoleText.split(/\r?\n/)) {
    const g = /dmabench-iommu-group (\d+) (\S+) (\S+) (0x[0-9a-f]+)/.exec(line);
    if (g) devices.push({ group: Number(g[1]), type: g[2] ?? '', bdf: g[3] ?? '', pciClass: g[4] ?? '' });
    const u = /dmabench-uname (\S+)/.exec(line);
    if (u) release = u[1];
  }
  return { release, devices };
}

/** PCI class 0x010802: mass storage, non-volatile memory, NVMe. */
export function nvmeDevices(devices: IommuGroupDevice[]): IommuGroupDevice[] {
  return devices.filter((d) => d.pciClass === '0x010802');
}
