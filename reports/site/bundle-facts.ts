// What `publish` needs from a bundle besides its report: who ran it (host, campaign), what it ran
// on (kernel release, commit, IOMMU mode and caching mode), when, how it ended, and the timed pass's values of every
// primary metric. Small and plain data, so that publish-cache.ts can keep it between publishes and
// an unchanged bundle is not parsed again; the run and compare pages, the only readers of the
// whole bundle, load it when they are rendered.
import { kernelCommitOf, kernelReleaseOf, type KernelCommit } from '../../core/kernel-commit/identity.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { metricRole, type Better } from '../../model/measurement.js';
import { cachingModeOf } from '../summary/bundles.js';

/** One primary (cell, metric) of the timed pass: its repetitions' values in sample order. */
export interface PrimaryValues {
  cell: string;
  metric: string;
  workload: string;
  better: Better;
  /** The unit of the first sample. */
  unit: string;
  values: number[];
  /** Each value's own unit, only when they are not all `unit` (analyse.ts converts them one by one). */
  units?: string[];
}

export interface BundleFacts {
  label: string;
  host: string;
  campaign: string;
  /** The manifest's startedAt. */
  runDate: string;
  status: string;
  release?: string;
  /** The IOMMU mode the system state recorded, else the lab's. */
  iommu?: string;
  /** The IOMMU units' caching mode as the system state recorded it, else as the lab configured it (reports/summary's rule). */
  cachingMode?: boolean;
  /** The commit the bundle names (core/kernel-commit/identity.ts), before a kernel tree completes it. */
  commit?: KernelCommit;
  /** In the order each (cell, metric) first appears in samples.jsonl. */
  primary: PrimaryValues[];
}

/** The campaign a bundle ran: its name, else the label (a bundle made by `ingest` has no campaign name). */
function campaignName(bundle: LoadedBundle): string {
  const name = (bundle.manifest.campaign as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : bundle.manifest.label;
}

/** The timed pass's values of every primary metric, grouped per (cell, metric). */
function primaryValues(bundle: LoadedBundle): PrimaryValues[] {
  const byKey = new Map<string, PrimaryValues>();
  for (const s of bundle.samples) {
    if (s.pass !== 'timed' || s.value === null || metricRole(s) !== 'primary') continue;
    const key = JSON.stringify([s.cell, s.metric]);
    let group = byKey.get(key);
    if (!group) {
      group = { cell: s.cell, metric: s.metric, workload: s.workload, better: s.better, unit: s.unit, values: [] };
      byKey.set(key, group);
    }
    if (s.unit !== group.unit && group.units === undefined) group.units = group.values.map(() => group!.unit);
    group.values.push(s.value);
    group.units?.push(s.unit);
  }
  return [...byKey.values()];
}

export function bundleFacts(bundle: LoadedBundle): BundleFacts {
  const m = bundle.manifest;
  const release = kernelReleaseOf(m);
  const iommu = m.system?.iommu.mode ?? m.lab?.iommu;
  const commit = kernelCommitOf(m);
  const cachingMode = cachingModeOf(m);
  return {
    label: m.label,
    host: m.system?.hostname ?? 'unknown host',
    campaign: campaignName(bundle),
    runDate: m.startedAt,
    status: m.status,
    ...(release === undefined ? {} : { release }),
    ...(iommu === undefined ? {} : { iommu }),
    ...(cachingMode === null ? {} : { cachingMode }),
    ...(commit === undefined ? {} : { commit }),
    primary: primaryValues(bundle),
  };
}
