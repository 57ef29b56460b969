// `dmabench doctor`: what this box can run, and why not. Capabilities are derived from the checks
// so the terminal report and the JSON report always agree.
import { collectSystemState, type CollectOptions, type FullSystemState } from './collect.js';
import { buildChecks, type DoctorCheck } from './doctor-checks.js';

export type { DoctorCheck } from './doctor-checks.js';

export interface Capability {
  id: 'fio' | 'microbench' | 'ftrace' | 'perf' | 'rdma' | 'lab';
  title: string;
  can: 'yes' | 'partly' | 'no';
  /** Summaries of the checks that block it (no) or limit it (partly). */
  why: string[];
}

export interface DoctorReport {
  generatedAt: string;
  system: FullSystemState;
  checks: DoctorCheck[];
  capabilities: Capability[];
}

interface CapabilityRule {
  id: Capability['id'];
  title: string;
  /** A failing (false) one of these means it cannot run; a warning means partly. */
  needs: string[];
  /** Any of these not ok means it runs only partly. */
  helps: string[];
}

export const CAPABILITY_RULES: readonly CapabilityRule[] = [
  { id: 'fio', title: 'fio workloads', needs: ['tool-fio'], helps: ['nvme', 'root', 'iommu'] },
  {
    id: 'microbench',
    title: 'microbench module',
    needs: ['module-build', 'module-load', 'kernel-api', 'root'],
    helps: ['iommu'],
  },
  {
    id: 'ftrace',
    title: 'ftrace call counts',
    needs: ['tracefs', 'ftrace-instances', 'ftrace-function', 'root'],
    helps: ['ftrace-function-graph', 'ftrace-dma-functions', 'iommu-events'],
  },
  { id: 'perf', title: 'perf profiling', needs: ['tool-perf'], helps: ['root', 'noise-hypervisor'] },
  { id: 'rdma', title: 'RDMA workloads', needs: ['tool-ib_write_bw', 'rdma'], helps: ['root'] },
  { id: 'lab', title: 'QEMU lab', needs: ['lab', 'tool-qemu-system-x86_64', 'tool-debootstrap'], helps: [] },
];

export function deriveCapabilities(checks: DoctorCheck[], rules: readonly CapabilityRule[] = CAPABILITY_RULES): Capability[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  return rules.map((rule) => {
    const needs = rule.needs.map((id) => byId.get(id)).filter((c): c is DoctorCheck => c !== undefined);
    const helps = rule.helps.map((id) => byId.get(id)).filter((c): c is DoctorCheck => c !== undefined);
    const blocking = needs.filter((c) => c.ok === false);
    const limiting = [...needs.filter((c) => c.ok === 'warn'), ...helps.filter((c) => c.ok !== true)];
    const can: Capability['can'] = blocking.length > 0 ? 'no' : limiting.length > 0 ? 'partly' : 'yes';
    const why = (blocking.length > 0 ? blocking : limiting).map((c) => `${c.id}: ${c.summary}`);
    return { id: rule.id, title: rule.title, can, why };
  });
}

export async function runDoctor(opts: CollectOptions = {}): Promise<DoctorReport> {
  const system = await collectSystemState(opts);
  const checks = buildChecks(system);
  return { generatedAt: new Date().toISOString(), system, checks, capabilities: deriveCapabilities(checks) };
}
