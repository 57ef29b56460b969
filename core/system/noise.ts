// Sources of run-to-run noise on the box, and the CPU facts the bundle records.
// Each is reported as found; the doctor turns them into advice.
import { listDir, parseRangeList, readText, readTrimmed } from './sysfs.js';

export interface CpuInfo {
  model: string;
  /** Online logical CPUs. */
  cores: number;
  /** Distinct scaling governors of online CPUs, joined with ',' (undefined: no cpufreq). */
  governor?: string;
  /** /sys/devices/system/cpu/smt/control: on, off, forceoff, notsupported, notimplemented. */
  smt?: string;
  /** 'on' / 'off' from intel_pstate/no_turbo or cpufreq/boost; undefined when neither exists. */
  turbo?: string;
  /** The 'hypervisor' flag of /proc/cpuinfo: we run in a VM. */
  hypervisor: boolean;
}

export interface NoiseInfo {
  irqbalanceRunning: boolean;
  numaNodes: number[];
  /** The selected value of transparent_hugepage/enabled (always, madvise, never). */
  transparentHugepages?: string;
  thpDefrag?: string;
}

/** Model name and hypervisor flag from /proc/cpuinfo text (x86 'model name'; arm 'CPU part' has no name). */
export function parseCpuinfo(text: string): { model: string; hypervisor: boolean; processors: number } {
  const model = /^(?:model name|Model|cpu model)\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? '';
  const flags = /^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '';
  const processors = (text.match(/^processor\s*:/gm) ?? []).length;
  return { model, hypervisor: flags.split(/\s+/).includes('hypervisor'), processors };
}

/** The bracketed choice of a sysfs selector such as "always [madvise] never". */
export function selectedChoice(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /\[([^\]]+)\]/.exec(text)?.[1];
}

/** Turbo from intel_pstate's no_turbo (1 = off) or cpufreq's boost (1 = on). */
export function turboState(noTurbo: string | undefined, boost: string | undefined): string | undefined {
  if (noTurbo !== undefined) return noTurbo === '1' ? 'off' : 'on';
  if (boost !== undefined) return boost === '1' ? 'on' : 'off';
  return undefined;
}

export async function probeCpu(root: string): Promise<CpuInfo> {
  const [cpuinfo, online, smt, noTurbo, boost] = await Promise.all([
    readText(root, '/proc/cpuinfo'),
    readTrimmed(root, '/sys/devices/system/cpu/online'),
    readTrimmed(root, '/sys/devices/system/cpu/smt/control'),
    readTrimmed(root, '/sys/devices/system/cpu/intel_pstate/no_turbo'),
    readTrimmed(root, '/sys/devices/system/cpu/cpufreq/boost'),
  ]);
  const parsed = parseCpuinfo(cpuinfo ?? '');
  const cpus = online === undefined ? [] : parseRangeList(online);
  const governors = await Promise.all(
    cpus.map((n) => readTrimmed(root, `/sys/devices/system/cpu/cpu${n}/cpufreq/scaling_governor`)),
  );
  const distinct = [...new Set(governors.filter((g): g is string => g !== undefined))];
  return {
    model: parsed.model,
    cores: cpus.length > 0 ? cpus.length : parsed.processors,
    governor: distinct.length > 0 ? distinct.join(',') : undefined,
    smt,
    turbo: turboState(noTurbo, boost),
    hypervisor: parsed.hypervisor,
  };
}

/** Whether a process named `comm` runs (scans /proc/<pid>/comm; no `ps` needed). */
export async function processRunning(root: string, comm: string): Promise<boolean> {
  const pids = (await listDir(root, '/proc')).filter((e) => /^\d+$/.test(e));
  const comms = await Promise.all(pids.map((pid) => readTrimmed(root, `/proc/${pid}/comm`)));
  return comms.includes(comm);
}

export async function probeNoise(root: string): Promise<NoiseInfo> {
  const [irqbalanceRunning, nodes, thp, defrag] = await Promise.all([
    processRunning(root, 'irqbalance'),
    readTrimmed(root, '/sys/devices/system/node/online'),
    readTrimmed(root, '/sys/kernel/mm/transparent_hugepage/enabled'),
    readTrimmed(root, '/sys/kernel/mm/transparent_hugepage/defrag'),
  ]);
  return {
    irqbalanceRunning,
    numaNodes: nodes === undefined ? [] : parseRangeList(nodes),
    transparentHugepages: selectedChoice(thp),
    thpDefrag: selectedChoice(defrag),
  };
}
