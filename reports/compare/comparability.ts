// Whether bundles can be compared at all (issue 11 item 7, review m12): everything but the kernel
// under test should be the same, and a reader must see at once when it is not. Each candidate is
// held against the base: host, CPU model, the benchmarked device's IOMMU mode, caching and
// scalable mode, the campaign (its hash), the benchmarked devices and their queue limits, NVMe's
// SGL threshold, the versions of the tools the campaign runs, dmabench's version, the kernel
// command line beyond what names the boot (BOOT_IMAGE=, the lab's dmabench.job=). And every
// bundle's kernel log: runs during which the kernel logged a WARNING, an Oops, a BUG, a panic or
// an IOMMU fault. Pure: bundles in, plain data out; the renderers print the warnings before the table.
import type { LoadedBundle, Manifest, SystemState } from '../../model/bundle.js';
import type { BenchTargetState, QueueLimits } from '../../model/dma-setup.js';
import { QUEUE_LIMIT_FILES } from '../../model/dma-setup.js';
import type { KernelLogWindow } from '../../model/kernel-log.js';
import { campaignHash, firstDifference } from '../../core/campaign/identity.js';
import { comparableCmdlineParams } from '../../core/system/kernel.js';

export type ComparabilityKind =
  | 'system-state'
  | 'host'
  | 'cpu'
  | 'iommu-mode'
  | 'caching-mode'
  | 'scalable-mode'
  | 'campaign'
  | 'target'
  | 'queue-limits'
  | 'sgl-threshold'
  | 'tools'
  | 'dmabench'
  | 'cmdline'
  | 'kernel-log';

export interface ComparabilityWarning {
  kind: ComparabilityKind;
  /** Indexes into Comparison.bundles of the bundles it is about (the base is 0). */
  bundles: number[];
  /** One line of ASCII. */
  message: string;
  /** Lines that back it up (the kernel log's first lines). */
  details?: string[];
}

/** Command-line parameters named in a warning. */
const MAX_PARAMS = 8;

/** Kernel log lines quoted per bundle. */
const QUOTED_LINES = 3;

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 70 ? `'${text.slice(0, 67)}...'` : `'${text}'`;
}

/** Which tools' versions matter for a campaign: its workload tools and the profilers' perf. */
function toolsOf(manifest: Manifest): string[] {
  const workloads = ((manifest.campaign as { workloads?: { tool?: unknown; profilers?: { kind?: unknown }[] }[] }).workloads ?? []);
  const tools = new Set<string>();
  for (const w of workloads) {
    if (w.tool === 'fio' || w.tool === 'ib_write_bw') tools.add(w.tool);
    if ((w.profilers ?? []).some((p) => p.kind === 'perf-stat' || p.kind === 'perf-record')) tools.add('perf');
  }
  return [...tools].sort();
}

function toolVersion(system: SystemState, tool: string): string | undefined {
  const info = (system.tools as Record<string, { version?: unknown }> | undefined)?.[tool];
  return typeof info?.version === 'string' ? info.version : undefined;
}

function cachingMode(m: Manifest): boolean | undefined {
  return m.system?.dma?.cachingMode ?? m.lab?.cachingMode;
}

function targetKey(t: BenchTargetState): string {
  return `${t.workload}/${t.kind}`;
}

/** What a target is: its named path or device and the first device doing the I/O with its model. */
function targetIdentity(t: BenchTargetState): string {
  const d = t.devices[0];
  if (!d) return t.target;
  const what = [d.name, d.model, d.pci && d.pci !== d.name ? d.pci : undefined].filter(Boolean).join(' ');
  return what === t.target ? t.target : `${t.target} (${what})`;
}


function queueDifferences(a: QueueLimits | undefined, b: QueueLimits | undefined): string[] {
  if (!a || !b) return [];
  return QUEUE_LIMIT_FILES.filter(([k]) => a[k] !== undefined && b[k] !== undefined && a[k] !== b[k]).map(([k, name]) => `${name} ${a[k]} -> ${b[k]}`);
}

/** Differences between the base's and a candidate's system states. */
function systemWarnings(base: Manifest, cand: Manifest, labels: [string, string], index: number): ComparabilityWarning[] {
  const out: ComparabilityWarning[] = [];
  const warn = (kind: ComparabilityKind, message: string): void => void out.push({ kind, bundles: [0, index], message });
  const [bl, cl] = labels;
  const a = base.system;
  const b = cand.system;
  if (!a || !b) {
    warn('system-state', `no system state recorded in ${[!a && bl, !b && cl].filter(Boolean).join(' and ')}: host, CPU and IOMMU cannot be checked`);
    return out;
  }
  if (a.hostname !== b.hostname) warn('host', `different hosts: ${bl} ran on ${quote(a.hostname)}, ${cl} on ${quote(b.hostname)}`);
  if (a.cpu.model !== b.cpu.model || a.cpu.cores !== b.cpu.cores) {
    warn('cpu', `different CPUs: ${bl} ${quote(`${a.cpu.model}, ${a.cpu.cores} cores`)}, ${cl} ${quote(`${b.cpu.model}, ${b.cpu.cores} cores`)}`);
  }

  // The IOMMU mode of each benchmarked device both record; else the mode each bundle shows
  // (older bundles recorded the box's most common group type there).
  const bTargets = new Map((b.dma?.targets ?? []).map((t) => [targetKey(t), t]));
  const matched = (a.dma?.targets ?? []).flatMap((t) => {
    const u = bTargets.get(targetKey(t));
    return u ? [[t, u] as const] : [];
  });
  const withModes = matched.filter(([t, u]) => t.iommuMode !== undefined || u.iommuMode !== undefined);
  const basis = (s: SystemState): string => (s.iommu.modeOf === undefined ? " (the box's most common group type, recorded before the device's)" : '');
  const modeDiffs =
    withModes.length > 0
      ? withModes.filter(([t, u]) => t.iommuMode !== u.iommuMode).map(([t, u]) => `${t.workload}'s ${t.target}: ${bl} ${t.iommuMode ?? 'none'}, ${cl} ${u.iommuMode ?? 'none'}`)
      : a.iommu.mode !== b.iommu.mode
        ? [`${bl} ${a.iommu.mode}${basis(a)}, ${cl} ${b.iommu.mode}${basis(b)}`]
        : [];
  if (modeDiffs.length > 0) warn('iommu-mode', `IOMMU mode of the benchmarked device differs: ${modeDiffs.join('; ')}`);

  const [cmA, cmB] = [cachingMode(base), cachingMode(cand)];
  if (cmA !== undefined && cmB !== undefined && cmA !== cmB) {
    warn('caching-mode', `IOMMU caching mode differs: ${bl} ${cmA ? 'on' : 'off'}, ${cl} ${cmB ? 'on' : 'off'} (with it on, every mapping change is an invalidation the hypervisor traps)`);
  }
  const [smA, smB] = [a.dma?.scalableMode.inUse, b.dma?.scalableMode.inUse];
  if (smA !== undefined && smB !== undefined && smA !== smB) warn('scalable-mode', `Intel IOMMU scalable mode differs: ${bl} ${smA ? 'on' : 'off'}, ${cl} ${smB ? 'on' : 'off'}`);

  // The devices themselves, matched by workload and kind.
  for (const [t, u] of matched) {
    const [ia, ib] = [targetIdentity(t), targetIdentity(u)];
    if (ia !== ib) warn('target', `benchmarked device of ${t.workload} differs: ${bl} ${ia}, ${cl} ${ib}`);
    const q = queueDifferences(t.devices[0]?.queue, u.devices[0]?.queue);
    if (q.length > 0) warn('queue-limits', `queue limits of ${t.workload}'s ${t.devices[0]!.name} differ: ${q.join(', ')}`);
  }
  const [sglA, sglB] = [a.dma?.nvmeSglThreshold, b.dma?.nvmeSglThreshold];
  if (sglA !== undefined && sglB !== undefined && sglA !== sglB) warn('sgl-threshold', `nvme sgl_threshold differs: ${bl} ${sglA}, ${cl} ${sglB} (SGL or PRP for large I/O)`);

  const tools = toolsOf(base)
    .map((tool) => [tool, toolVersion(a, tool), toolVersion(b, tool)] as const)
    .filter(([, va, vb]) => va !== undefined && vb !== undefined && va !== vb);
  if (tools.length > 0) warn('tools', `tool versions differ: ${tools.map(([t, va, vb]) => `${t} ${va} -> ${vb}`).join(', ')}`);
  if (base.dmabenchVersion !== cand.dmabenchVersion) warn('dmabench', `dmabench versions differ: ${bl} ${base.dmabenchVersion}, ${cl} ${cand.dmabenchVersion}`);

  const [pa, pb] = [comparableCmdlineParams(a.kernel.cmdline), comparableCmdlineParams(b.kernel.cmdline)];
  const removed = pa.filter((p) => !pb.includes(p));
  const added = pb.filter((p) => !pa.includes(p));
  const changed = [...removed.map((p) => `-${p}`), ...added.map((p) => `+${p}`)];
  if (changed.length > 0) {
    const shown = changed.length > MAX_PARAMS ? [...changed.slice(0, MAX_PARAMS), `and ${changed.length - MAX_PARAMS} more`] : changed;
    warn('cmdline', `kernel command lines differ beyond the boot image and lab job (${bl} -> ${cl}): ${shown.join(' ')}`);
  }
  return out;
}

function campaignWarning(base: Manifest, cand: Manifest, labels: [string, string], index: number): ComparabilityWarning | undefined {
  const ha = base.campaignHash ?? campaignHash(base.campaign);
  const hb = cand.campaignHash ?? campaignHash(cand.campaign);
  if (ha === hb) return undefined;
  const first = firstDifference(base.campaign, cand.campaign);
  return { kind: 'campaign', bundles: [0, index], message: `campaigns differ (${labels[0]} -> ${labels[1]}): ${first ?? `${ha} -> ${hb}`}` };
}

function kernelLogText(w: KernelLogWindow): string[] {
  return w.lines.map((l) => `seq ${l.seq}: ${l.text}`);
}

/** A bundle's runs during which the kernel complained, and the runs whose log could not be checked. */
function kernelLogWarnings(m: Manifest, label: string, index: number): ComparabilityWarning[] {
  const windows = m.kernelLog ?? [];
  if (windows.length === 0) return [];
  const out: ComparabilityWarning[] = [];
  const bad = windows.filter((w) => w.lines.length > 0);
  if (bad.length > 0) {
    const totals = new Map<string, number>();
    for (const w of bad) for (const [k, n] of Object.entries(w.counts)) totals.set(k, (totals.get(k) ?? 0) + (n ?? 0));
    out.push({
      kind: 'kernel-log',
      bundles: [index],
      message: `runs with kernel warnings: ${bad.length}/${windows.length} in ${label} (${[...totals].map(([k, n]) => `${k} ${n}`).join(', ')})`,
      details: bad.flatMap(kernelLogText).slice(0, QUOTED_LINES),
    });
  }
  const unknown = windows.filter((w) => w.error !== undefined || w.closedBy === undefined || w.closedBy === 'boot-ended' || (w.lost ?? 0) > 0);
  if (unknown.length > 0) {
    const reason = (w: KernelLogWindow): string =>
      w.error !== undefined
        ? w.error
        : w.closedBy === 'boot-ended'
          ? 'the boot ended before the run (a crash or reboot)'
          : w.closedBy === undefined
            ? 'the run never ended (killed, not resumed)'
            : `${w.lost} records overwritten before they were read`;
    const why = [...new Set(unknown.map(reason))];
    out.push({ kind: 'kernel-log', bundles: [index], message: `kernel log not fully checked in ${unknown.length}/${windows.length} runs of ${label}: ${why.join('; ')}` });
  }
  return out;
}

/** Everything that makes the bundles less than comparable, base against each candidate, then each bundle's kernel log. */
export function comparabilityWarnings(bundles: readonly LoadedBundle[], labels: readonly string[]): ComparabilityWarning[] {
  const base = bundles[0];
  if (!base) return [];
  const label = (i: number): string => labels[i] ?? bundles[i]!.manifest.label;
  const out: ComparabilityWarning[] = [];
  bundles.slice(1).forEach((b, k) => {
    const i = k + 1;
    const pair: [string, string] = [label(0), label(i)];
    const campaign = campaignWarning(base.manifest, b.manifest, pair, i);
    if (campaign) out.push(campaign);
    out.push(...systemWarnings(base.manifest, b.manifest, pair, i));
  });
  bundles.forEach((b, i) => out.push(...kernelLogWarnings(b.manifest, label(i), i)));
  return out;
}
