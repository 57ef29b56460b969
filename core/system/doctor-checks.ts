// Turns the collected system state into checks: one finding each, with advice when it is not ok.
// Pure: the state in, the checks out, so a bundle's recorded state can be re-checked anywhere.
import type { FullSystemState } from './collect.js';
import type { DiskInfo } from './block-devices.js';
import { portIsActive } from './rdma.js';
import { SOFT_ROCE_NO_DMA_API } from '../../model/dma-setup.js';
import { TOOL_SPECS } from './tools.js';

export interface DoctorCheck {
  id: string;
  ok: boolean | 'warn';
  summary: string;
  advice?: string;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes >= 10 * 2 ** 30 ? 0 : 1)} GiB`;
}

function describeDisk(d: DiskInfo): string {
  const where = d.mountPoints.length > 0 ? `mounted at ${d.mountPoints.join(', ')}` : d.inUse ? 'in use' : 'not mounted';
  const sig = d.signature?.type ? `, ${d.signature.type}` : '';
  return `${d.name} (${d.kind}${d.model ? ` ${d.model}` : ''}, ${gib(d.sizeBytes)}, ${where}${sig})`;
}

function identityChecks(s: FullSystemState): DoctorCheck[] {
  const api = s.kernelApi;
  return [
    s.isRoot
      ? { id: 'root', ok: true, summary: 'running as root' }
      : {
          id: 'root',
          ok: false,
          summary: 'not running as root',
          advice: 'raw NVMe I/O, tracefs, perf system-wide and module loading need root: run with sudo',
        },
    { id: 'kernel', ok: true, summary: `kernel ${s.kernel.release}` },
    api.linkApi
      ? {
          id: 'kernel-api',
          ok: true,
          summary: `kernel has the link API (dma_iova_try_alloc/link)${api.mapPhys ? ' and dma_map_phys' : ''}`,
        }
      : {
          id: 'kernel-api',
          ok: api.kallsymsReadable ? false : 'warn',
          summary: api.kallsymsReadable
            ? 'kernel lacks dma_iova_try_alloc/dma_iova_link (before 6.16): only dma_map_sg can be measured'
            : '/proc/kallsyms unreadable: cannot tell whether the link API exists',
          advice: 'boot a 6.16+ kernel (Debian sid has 7.2) or use the lab',
        },
  ];
}

function iommuCheck(s: FullSystemState): DoctorCheck {
  const units = s.iommuDetail.units.map((u) => `${u.name} (${u.vendor})`).join(', ');
  const cmd = s.iommuDetail.cmdline.params.join(' ');
  const groups = s.iommu.groups.length;
  if (s.iommu.mode === 'off') {
    return {
      id: 'iommu',
      ok: 'warn',
      summary: `IOMMU off (no IOMMU groups${units ? `; units ${units}` : ''}${cmd ? `; cmdline ${cmd}` : ''})`,
      advice:
        'without an IOMMU dma_iova_try_alloc returns false and both APIs take the dma-direct path: ' +
        'boot with intel_iommu=on iommu.strict=1 (or amd_iommu=on), or use the lab (emulated Intel IOMMU)',
    };
  }
  const nvme = s.iommuDetail.devices.map((d) => `${d.name}→${d.group ?? 'none'}`).join(', ');
  return {
    id: 'iommu',
    ok: s.iommu.mode === 'unknown' ? 'warn' : true,
    summary:
      `IOMMU ${s.iommu.mode} (from ${s.iommuDetail.modeSource}; ${groups} groups${units ? `; ${units}` : ''}` +
      `${cmd ? `; cmdline ${cmd}` : ''}${nvme ? `; ${nvme}` : ''})`,
    advice: s.iommu.mode === 'unknown' ? 'group types unreadable and no iommu.strict/iommu.passthrough on the command line' : undefined,
  };
}

function toolChecks(s: FullSystemState): DoctorCheck[] {
  return TOOL_SPECS.map((spec) => {
    const info = s.tools[spec.name];
    const id = `tool-${spec.name}`;
    if (info === undefined || !info.found) {
      return {
        id,
        ok: false,
        summary: `${spec.name} not found (${spec.purpose})`,
        advice: `apt-get install ${spec.debianPackage}`,
      };
    }
    if (info.version === undefined) {
      return { id, ok: 'warn', summary: `${spec.name} at ${info.path}: version unknown (${info.problem ?? '?'})` };
    }
    return { id, ok: true, summary: `${spec.name} ${info.version} (${info.path})` };
  });
}

function tracefsChecks(s: FullSystemState): DoctorCheck[] {
  const t = s.tracefs;
  if (!t.mounted || t.path === undefined) {
    return [
      {
        id: 'tracefs',
        ok: false,
        summary: t.mounted ? `tracefs listed at ${t.mountPoints.join(', ')} but unreadable` : 'tracefs not mounted',
        advice: 'mount -t tracefs nodev /sys/kernel/tracing (as root)',
      },
      { id: 'ftrace-instances', ok: false, summary: 'ftrace instances unknown: tracefs unavailable' },
      { id: 'ftrace-function', ok: false, summary: 'function tracer unknown: tracefs unavailable' },
      { id: 'ftrace-function-graph', ok: false, summary: 'function_graph tracer unknown: tracefs unavailable' },
      { id: 'ftrace-dma-functions', ok: false, summary: 'DMA functions unknown: tracefs unavailable' },
    ];
  }
  const missing = t.dmaFunctionsMissing;
  return [
    { id: 'tracefs', ok: true, summary: `tracefs at ${t.path} (tracers: ${t.tracers.join(' ')})` },
    t.instances
      ? { id: 'ftrace-instances', ok: true, summary: 'ftrace instances available (the profiler traces in one of its own)' }
      : {
          id: 'ftrace-instances',
          ok: false,
          summary: 'no ftrace instances: the ftrace profiler refuses (it never takes over the global trace buffer)',
          advice: 'a kernel with ftrace instances (every kernel dmabench supports has them), tracefs mounted',
        },
    t.functionTracer
      ? { id: 'ftrace-function', ok: true, summary: 'function tracer available (call counts per I/O)' }
      : {
          id: 'ftrace-function',
          ok: false,
          summary: 'no function tracer',
          advice: 'a kernel with CONFIG_FUNCTION_TRACER (Debian kernels have it) or the lab',
        },
    t.functionGraphTracer
      ? { id: 'ftrace-function-graph', ok: true, summary: 'function_graph tracer available (durations per function)' }
      : {
          id: 'ftrace-function-graph',
          ok: 'warn',
          summary: 'no function_graph tracer: no per-function durations from ftrace',
          advice: 'a kernel with CONFIG_FUNCTION_GRAPH_TRACER, or the lab',
        },
    !t.filterFunctionsReadable
      ? {
          id: 'ftrace-dma-functions',
          ok: 'warn',
          summary: `available_filter_functions unreadable (${t.filterFunctionsError ?? '?'}): cannot tell which DMA functions can be traced`,
          advice: 'the kernel may restrict it (lockdown, ftrace disabled); filters will be tried name by name',
        }
      : missing.length === 0
        ? { id: 'ftrace-dma-functions', ok: true, summary: `all ${t.dmaFunctionsAvailable.length} DMA functions traceable` }
        : {
            id: 'ftrace-dma-functions',
            ok: 'warn',
            summary: `${t.dmaFunctionsAvailable.length} DMA functions traceable, missing: ${missing.join(' ')}`,
            advice: 'missing names are inlined or absent in this kernel (the link API is 6.16+, dma_map_phys 6.18+)',
          },
    t.iommuEvents
      ? { id: 'iommu-events', ok: true, summary: 'iommu map/unmap tracepoints available' }
      : { id: 'iommu-events', ok: 'warn', summary: 'no iommu map/unmap tracepoints', advice: 'CONFIG_IOMMU_API kernels have events/iommu' },
  ];
}

function moduleChecks(s: FullSystemState): DoctorCheck[] {
  const m = s.moduleBuild;
  const compiler = m.compiler ? `${m.compiler.text} (from ${m.compilerSource})` : 'unknown compiler';
  const packages = m.packages.length > 0 ? `apt-get install ${m.packages.join(' ')}` : undefined;
  const nonDebian = m.debianKernel ? '' : ' (this kernel is not a Debian build: its headers are not packaged; build in the lab)';
  const build: DoctorCheck =
    m.buildDirPresent && m.compilerPresent
      ? { id: 'module-build', ok: true, summary: `build tree ${m.buildDir}, kernel compiler ${compiler} at ${m.compilerPath}` }
      : {
          id: 'module-build',
          ok: false,
          summary: !m.buildDirPresent
            ? `no build tree at /lib/modules/${m.release}/build; kernel built with ${compiler}`
            : `kernel built with ${compiler}, not installed here`,
          advice: `${packages ?? 'install the kernel headers and its compiler'}${nonDebian}`,
        };
  const load: DoctorCheck = m.moduleLoading
    ? { id: 'module-load', ok: true, summary: 'kernel loads modules' }
    : { id: 'module-load', ok: false, summary: m.moduleLoadingReason ?? 'modules cannot be loaded', advice: 'run the microbench in the lab' };
  return [build, load];
}

function deviceChecks(s: FullSystemState): DoctorCheck[] {
  const nvmeDisks = s.devices.disks.filter((d) => d.kind === 'nvme');
  const free = nvmeDisks.filter((d) => !d.inUse && d.signature?.type === undefined);
  const nvme: DoctorCheck =
    nvmeDisks.length === 0
      ? {
          id: 'nvme',
          ok: false,
          summary: 'no NVMe namespaces',
          advice: 'fio can still run on files or loop devices; the NVMe DMA path needs NVMe (the lab emulates one)',
        }
      : {
          id: 'nvme',
          ok: free.length > 0 ? true : 'warn',
          summary:
            `NVMe: ${nvmeDisks.map(describeDisk).join('; ')}` +
            (free.length > 0 ? `; free for raw I/O: ${free.map((d) => d.name).join(' ')}` : ''),
          advice: free.length > 0 ? undefined : 'every namespace is mounted or has a signature: raw writes would destroy data; use reads or files',
        };
  const others = s.devices.disks.filter((d) => d.kind !== 'nvme');
  const block: DoctorCheck = {
    id: 'block-devices',
    ok: true,
    summary: others.length > 0 ? `other disks: ${others.map(describeDisk).join('; ')}` : 'no other disks',
  };
  const rdmaDevs = s.devices.rdma;
  const active = rdmaDevs.filter((d) => d.ports.some((p) => portIsActive(p.state)));
  // rxe names the netdev it runs over in `parent` (drivers/infiniband/sw/rxe); a hardware HCA has no such file.
  const softOnly = rdmaDevs.every((d) => d.parent !== undefined);
  const rdma: DoctorCheck =
    rdmaDevs.length === 0
      ? {
          id: 'rdma',
          ok: false,
          summary: 'no RDMA devices',
          advice: 'Soft-RoCE: modprobe rdma_rxe; rdma link add rxe0 type rxe netdev IFACE (or the lab)',
        }
      : {
          id: 'rdma',
          ok: active.length > 0 && !softOnly ? true : 'warn',
          summary: `RDMA: ${rdmaDevs
            .map((d) => `${d.name}${d.parent ? ` (Soft-RoCE over ${d.parent})` : ''} [${d.ports.map((p) => `port ${p.port} ${p.state ?? '?'}${p.netdev ? ` ${p.netdev}` : ''}`).join(', ')}]`)
            .join('; ')}`,
          advice: active.length === 0 ? 'no port is ACTIVE: bring the netdev up' : softOnly ? SOFT_ROCE_NO_DMA_API : undefined,
        };
  return [nvme, block, rdma];
}

function labCheck(s: FullSystemState): DoctorCheck {
  const qemu = s.tools['qemu-system-x86_64']?.found === true;
  const debootstrap = s.tools.debootstrap?.found === true;
  const virtiofsd = s.virtiofsd !== undefined;
  if (!qemu || !debootstrap || !virtiofsd) {
    const missing = [!qemu && 'qemu-system-x86_64', !debootstrap && 'debootstrap', !virtiofsd && 'virtiofsd'];
    return {
      id: 'lab',
      ok: false,
      summary: `lab needs ${missing.filter(Boolean).join(', ')}`,
      advice: 'apt-get install qemu-system-x86 debootstrap virtiofsd',
    };
  }
  return {
    id: 'lab',
    ok: true,
    summary: `QEMU lab possible (virtiofsd ${s.virtiofsd}; TCG${s.noise.kvm ? '; /dev/kvm present but guests are run under TCG' : ''})`,
  };
}

/**
 * Noise sources from the CPU facts and the noise probe alone: also run on a bundle's recorded
 * state (reports/summary/warnings.ts), so a report warns of what doctor warned of on that box.
 */
export function noiseChecks(s: Pick<FullSystemState, 'cpu' | 'noise'>): DoctorCheck[] {
  const c = s.cpu;
  const n = s.noise;
  const checks: DoctorCheck[] = [];
  checks.push(
    c.governor === undefined
      ? { id: 'noise-governor', ok: true, summary: 'no cpufreq driver (frequency set by firmware or the host)' }
      : c.governor === 'performance'
        ? { id: 'noise-governor', ok: true, summary: 'cpufreq governor performance' }
        : {
            id: 'noise-governor',
            ok: 'warn',
            summary: `cpufreq governor ${c.governor}`,
            advice: 'cpupower frequency-set -g performance (package linux-cpupower)',
          },
  );
  checks.push(
    c.smt === 'on'
      ? { id: 'noise-smt', ok: 'warn', summary: 'SMT on: sibling threads share a core', advice: 'echo off > /sys/devices/system/cpu/smt/control' }
      : { id: 'noise-smt', ok: true, summary: `SMT ${c.smt ?? 'unknown'}` },
  );
  checks.push(
    c.turbo === 'on'
      ? {
          id: 'noise-turbo',
          ok: 'warn',
          summary: 'turbo on: clock varies with temperature and load',
          advice: 'echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo (or echo 0 > /sys/devices/system/cpu/cpufreq/boost)',
        }
      : { id: 'noise-turbo', ok: true, summary: `turbo ${c.turbo ?? 'not controllable here'}` },
  );
  checks.push(
    n.irqbalanceRunning
      ? { id: 'noise-irqbalance', ok: 'warn', summary: 'irqbalance running: interrupts move between CPUs', advice: 'systemctl stop irqbalance' }
      : { id: 'noise-irqbalance', ok: true, summary: 'irqbalance not running' },
  );
  checks.push(
    n.numaNodes.length > 1
      ? {
          id: 'noise-numa',
          ok: 'warn',
          summary: `${n.numaNodes.length} NUMA nodes`,
          advice: 'pin workloads to the device-local node (numactl, fio cpus_allowed); record the node',
        }
      : { id: 'noise-numa', ok: true, summary: `${Math.max(n.numaNodes.length, 1)} NUMA node` },
  );
  checks.push(
    n.transparentHugepages === 'always'
      ? {
          id: 'noise-thp',
          ok: 'warn',
          summary: 'transparent hugepages always: khugepaged and compaction add jitter',
          advice: 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled',
        }
      : { id: 'noise-thp', ok: true, summary: `transparent hugepages ${n.transparentHugepages ?? 'unavailable'}` },
  );
  checks.push(
    n.hypervisor
      ? {
          id: 'noise-hypervisor',
          ok: 'warn',
          summary: 'running under a hypervisor: durations are only relative, hardware counters may be missing',
          advice: 'call counts per I/O hold; publish durations from bare metal',
        }
      : { id: 'noise-hypervisor', ok: true, summary: 'bare metal' },
  );
  checks.push(
    c.cores < 4
      ? {
          id: 'noise-cpus',
          ok: 'warn',
          summary: `${c.cores} CPUs: benchmark threads share them with the system`,
          advice: 'use fewer threads than CPUs, or a larger machine for scaling runs',
        }
      : { id: 'noise-cpus', ok: true, summary: `${c.cores} CPUs` },
  );
  return checks;
}

export function buildChecks(s: FullSystemState): DoctorCheck[] {
  return [
    ...identityChecks(s),
    iommuCheck(s),
    ...toolChecks(s),
    ...tracefsChecks(s),
    ...moduleChecks(s),
    ...deviceChecks(s),
    labCheck(s),
    ...noiseChecks(s),
  ];
}
