// The environment table: per bundle what its manifest records of the machine and the run, one row
// per fact, the rows where the bundles disagree first. A fact no bundle records has no row (the
// cpufreq governor of a guest without cpufreq, the device's group type in bundles older than it).
import type { LoadedBundle, Manifest } from '../../model/bundle.js';
import { comparableCmdlineParams } from '../../core/system/kernel.js';
import { cachingModeOf } from './bundles.js';
import type { EnvironmentRow } from './types.js';

/** Workload tools and perf: the tools whose versions shape the numbers (trace-cmd is not used: ftrace is driven through tracefs). */
const VERSIONED_TOOLS = ['fio', 'perf', 'ib_write_bw'] as const;

function onOff(v: boolean | undefined | null): string | null {
  return v === undefined || v === null ? null : v ? 'on' : 'off';
}

/** The tool's version as the system probe recorded it; null when the bundle records no tools. */
function toolVersion(m: Manifest, tool: string): string | null {
  const tools = m.system?.tools;
  if (tools === null || typeof tools !== 'object') return null;
  const info = (tools as Record<string, { found?: unknown; version?: unknown; problem?: unknown } | undefined>)[tool];
  if (!info) return null;
  if (typeof info.version === 'string') return info.version;
  if (info.found !== true) return 'not found';
  return typeof info.problem === 'string' ? `version unknown (${info.problem})` : 'version unknown';
}

function usesTool(m: Manifest, tool: string): boolean {
  const workloads = (m.campaign as { workloads?: { tool?: unknown; profilers?: { kind?: unknown }[] }[] }).workloads ?? [];
  if (tool === 'perf') return workloads.some((w) => (w.profilers ?? []).some((p) => p.kind === 'perf-stat' || p.kind === 'perf-record'));
  return workloads.some((w) => w.tool === tool);
}

/** Each benchmarked target with its device's IOMMU group type: `/dev/nvme0n1: DMA`. */
function deviceGroupTypes(m: Manifest): string | null {
  const targets = m.system?.dma?.targets;
  if (!targets || targets.length === 0) return null;
  return targets
    .map((t) => {
      const d = t.devices.find((x) => x.iommuGroupType !== undefined) ?? t.devices[0];
      const type = d === undefined ? 'no device' : d.iommuGroupType ?? (d.iommuGroup === null ? 'no IOMMU group' : `group ${d.iommuGroup}, type not readable`);
      return `${t.target}: ${type}`;
    })
    .join('; ');
}

interface RowSpec {
  name: string;
  value: (m: Manifest) => string | null;
  /** What decides whether the bundles differ, when not the value shown. */
  same?: { key: (m: Manifest) => string | null; note: string };
}

const CMDLINE_NOTE = "compared without BOOT_IMAGE= and dmabench.*, which name the boot";

function rowSpecs(manifests: readonly Manifest[]): RowSpec[] {
  const tools = VERSIONED_TOOLS.filter((t) => manifests.some((m) => usesTool(m, t)));
  return [
    { name: 'kernel', value: (m) => m.system?.kernel.release ?? null },
    { name: 'kernel build', value: (m) => m.system?.kernel.build ?? null },
    {
      name: 'command line',
      value: (m) => m.system?.kernel.cmdline ?? null,
      same: { key: (m) => (m.system ? comparableCmdlineParams(m.system.kernel.cmdline).join(' ') : null), note: CMDLINE_NOTE },
    },
    { name: 'IOMMU mode', value: (m) => m.system?.iommu.mode ?? null },
    { name: 'device IOMMU group type', value: deviceGroupTypes },
    { name: 'caching mode', value: (m) => onOff(cachingModeOf(m)) },
    { name: 'scalable mode', value: (m) => onOff(m.system?.dma?.scalableMode.inUse) },
    { name: 'CPU', value: (m) => (m.system ? `${m.system.cpu.model}, ${m.system.cpu.cores} CPUs` : null) },
    { name: 'governor', value: (m) => m.system?.cpu.governor ?? null },
    { name: 'SMT', value: (m) => m.system?.cpu.smt ?? null },
    { name: 'turbo', value: (m) => m.system?.cpu.turbo ?? null },
    { name: 'host', value: (m) => m.system?.hostname ?? null },
    ...tools.map((t) => ({ name: `${t} version`, value: (m: Manifest) => toolVersion(m, t) })),
    { name: 'QEMU (lab)', value: (m) => m.lab?.qemu ?? null },
    { name: 'QEMU accelerator (lab)', value: (m) => m.lab?.accel ?? null },
    { name: 'lab image', value: (m) => m.lab?.imageKey ?? null },
    { name: 'dmabench version', value: (m) => m.dmabenchVersion },
    { name: 'campaign', value: (m) => String((m.campaign as { name?: unknown }).name ?? '') || null },
    // The hex alone: with its `sha256:` prefix it would not fit a 78-column line beside its bundle's number.
    { name: 'campaign sha256', value: (m) => m.campaignHash?.replace(/^sha256:/, '') ?? null },
  ];
}

function disagree(keys: readonly (string | null)[]): boolean {
  return new Set(keys).size > 1;
}

export function environmentRows(bundles: readonly LoadedBundle[]): EnvironmentRow[] {
  const manifests = bundles.map((b) => b.manifest);
  const rows = rowSpecs(manifests).flatMap((spec): EnvironmentRow[] => {
    const values = manifests.map(spec.value);
    if (values.every((v) => v === null)) return [];
    const differs = disagree(spec.same ? manifests.map(spec.same.key) : values);
    return [{ name: spec.name, values, differs, ...(spec.same && { note: spec.same.note }) }];
  });
  // Stable: the differing rows first, each group in the table's own order.
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}
