// What a reader must know before quoting a number of the summary: the noise sources doctor warns
// of, re-checked on each bundle's recorded state; what makes the bundles compared across kernels
// less than comparable (reports/compare/comparability.ts); what the kernel logged during the runs
// (WARNINGs, Oopses, IOMMU faults); emulation under TCG, where durations are only relative and call
// counts exact; and Soft-RoCE, whose RDMA numbers never go through the DMA API.
import type { LoadedBundle, Manifest } from '../../model/bundle.js';
import { SOFT_ROCE_NO_DMA_API } from '../../model/dma-setup.js';
import { noiseChecks } from '../../core/system/doctor-checks.js';
import type { FullSystemState } from '../../core/system/collect.js';
import { comparabilityWarnings } from '../compare/comparability.js';
import { measurementCaveats } from '../compare/caveats.js';
import { ranUnderTcg } from './bundles.js';
import type { Comparisons } from './findings.js';
import type { SummaryBundle, SummaryWarning } from './types.js';

export const TCG_WARNING = 'lab under TCG: durations are relative, counts exact';
export const SOFT_ROCE_WARNING = 'Soft-RoCE: no DMA API';

/** The noise probe's record, when the bundle has one of the shape doctor reads (bundles are read from anywhere). */
function recordedNoise(m: Manifest): Pick<FullSystemState, 'cpu' | 'noise'> | null {
  const noise = m.system?.noise as Record<string, unknown> | undefined;
  if (!m.system || noise === null || typeof noise !== 'object') return null;
  const numaNodes = noise.numaNodes;
  if (typeof noise.irqbalanceRunning !== 'boolean' || typeof noise.hypervisor !== 'boolean' || !Array.isArray(numaNodes)) return null;
  const thp = typeof noise.transparentHugepages === 'string' ? noise.transparentHugepages : undefined;
  return {
    cpu: m.system.cpu,
    noise: { irqbalanceRunning: noise.irqbalanceRunning, hypervisor: noise.hypervisor, kvm: noise.kvm === true, numaNodes: numaNodes.filter((n): n is number => typeof n === 'number'), transparentHugepages: thp },
  };
}

/** Adds `bundle` to the warning with this kind and message, or starts one: one line per finding, naming every bundle it holds for. */
function collect(out: SummaryWarning[], w: SummaryWarning): void {
  const known = out.find((x) => x.kind === w.kind && x.message === w.message);
  if (!known) out.push({ ...w, bundles: [...w.bundles], details: [...w.details] });
  else {
    for (const b of w.bundles) if (!known.bundles.includes(b)) known.bundles.push(b);
    for (const d of w.details) if (!known.details.includes(d)) known.details.push(d);
  }
}

function groupIndexes(indexes: readonly number[], key: (n: number) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const n of indexes) (out.get(key(n)) ?? out.set(key(n), []).get(key(n))!).push(n);
  return out;
}

function usesSoftRoce(b: LoadedBundle): boolean {
  return measurementCaveats([b]).some((c) => c.term === 'Soft-RoCE') || b.manifest.cells.some((c) => c.tool === 'ib_write_bw' && c.params.rxe === true);
}

export function summaryWarnings(bundles: readonly LoadedBundle[], described: readonly SummaryBundle[], comparisons: Comparisons): SummaryWarning[] {
  const out: SummaryWarning[] = [];
  const tcg = bundles.map((b) => ranUnderTcg(b.manifest));

  const underTcg = bundles.flatMap((b, i) => (tcg[i] ? [i + 1] : []));
  if (underTcg.length > 0) {
    // One line per emulator the bundles name: the lab's QEMU (recorded by `lab run`) or QEMU unnamed.
    const where = groupIndexes(underTcg, (n) => {
      const m = bundles[n - 1]!.manifest;
      return `${m.lab ? `the QEMU lab (${m.lab.qemu})` : 'QEMU'} without hardware acceleration, CPU '${m.system!.cpu.model}'`;
    });
    out.push({
      kind: 'tcg',
      bundles: underTcg,
      message: TCG_WARNING,
      details: [
        'durations (latency, IOPS, bandwidth, CPU time) compare only with runs under the same emulation; calls per I/O are exact',
        ...[...where].map(([text, ns]) => `${ns.map((n) => `[${n}]`).join(', ')} ran under ${text}`),
      ],
    });
  }

  bundles.forEach((b, i) => {
    if (usesSoftRoce(b)) collect(out, { kind: 'soft-roce', bundles: [i + 1], message: SOFT_ROCE_WARNING, details: [SOFT_ROCE_NO_DMA_API] });
  });

  bundles.forEach((b, i) => {
    const recorded = recordedNoise(b.manifest);
    if (!recorded) return;
    for (const check of noiseChecks(recorded)) {
      // Under TCG the hypervisor warning says less than the TCG one above.
      if (check.ok !== 'warn' || (tcg[i] && check.id === 'noise-hypervisor')) continue;
      collect(out, { kind: 'noise', bundles: [i + 1], message: check.summary, details: check.advice ? [check.advice] : [] });
    }
  });

  // Bundles compared across kernels: everything but the kernel should be the same.
  for (const group of comparisons.acrossKernels) {
    const members = group.bundles.map((n) => bundles[n - 1]!);
    const labels = group.bundles.map((n) => described[n - 1]!.label);
    for (const w of comparabilityWarnings(members, labels)) {
      if (w.kind === 'kernel-log') continue;
      collect(out, { kind: 'comparability', bundles: w.bundles.map((k) => group.bundles[k]!), message: w.message, details: w.details ?? [] });
    }
  }

  // What the kernel logged during each bundle's runs.
  bundles.forEach((b, i) => {
    const label = described[i]!.label;
    if (b.manifest.kernelLog === undefined) {
      collect(out, { kind: 'kernel-log', bundles: [i + 1], message: 'no kernel log recorded (bundles written before it was kept): faults during the runs are not ruled out', details: [] });
      return;
    }
    for (const w of comparabilityWarnings([b], [label])) collect(out, { kind: 'kernel-log', bundles: [i + 1], message: w.message, details: w.details ?? [] });
  });
  return out;
}
