// Which benchmark tools are installed, where, and which version. Probes run in parallel with
// short timeouts so collecting the system state stays well under a second.
import { access, constants } from 'node:fs/promises';
import { findExecutable, runTool } from './run-tool.js';
import {
  parseBpftraceVersion,
  parseDebootstrapVersion,
  parseFioVersion,
  parseGccVersion,
  parsePerfVersion,
  parsePerftestVersion,
  parseQemuVersion,
  parseTraceCmdVersion,
} from './version-parsers.js';

export interface ToolInfo {
  found: boolean;
  path?: string;
  version?: string;
  /** Why the version is missing although the tool was found (timeout, unparsable banner). */
  problem?: string;
}

export interface ToolSpec {
  name: string;
  /** Arguments that make it print its version. */
  versionArgs: string[];
  parse: (text: string) => string | undefined;
  /** The Debian package that ships it (advice). */
  debianPackage: string;
  /** What dmabench uses it for (advice). */
  purpose: string;
}

export const TOOL_SPECS: readonly ToolSpec[] = [
  { name: 'fio', versionArgs: ['--version'], parse: parseFioVersion, debianPackage: 'fio', purpose: 'NVMe/block workloads' },
  { name: 'perf', versionArgs: ['--version'], parse: parsePerfVersion, debianPackage: 'linux-perf', purpose: 'perf stat / perf record profilers' },
  { name: 'trace-cmd', versionArgs: ['--version'], parse: parseTraceCmdVersion, debianPackage: 'trace-cmd', purpose: 'ftrace recording' },
  // perftest: `-V`/`--version` prints "Version: X" and exits 1; `-v` is an unrelated option.
  { name: 'ib_write_bw', versionArgs: ['--version'], parse: parsePerftestVersion, debianPackage: 'perftest', purpose: 'RDMA workloads' },
  { name: 'qemu-system-x86_64', versionArgs: ['--version'], parse: parseQemuVersion, debianPackage: 'qemu-system-x86', purpose: 'the QEMU lab' },
  { name: 'debootstrap', versionArgs: ['--version'], parse: parseDebootstrapVersion, debianPackage: 'debootstrap', purpose: 'building the lab rootfs' },
  { name: 'bpftrace', versionArgs: ['--version'], parse: parseBpftraceVersion, debianPackage: 'bpftrace', purpose: 'ad-hoc kernel probes' },
  { name: 'gcc', versionArgs: ['--version'], parse: parseGccVersion, debianPackage: 'gcc', purpose: 'building the microbench module' },
];

/**
 * Finds one tool and asks its version. The bound is for a tool that hangs, not a timing: in a lab
 * guest under TCG the eight probes start at once and `fio --version` took over 2 s (seen as
 * "version unknown" in the demo's environment table).
 */
export async function probeTool(spec: ToolSpec, timeoutMs = 10_000): Promise<ToolInfo> {
  const path = await findExecutable(spec.name);
  if (path === undefined) return { found: false };
  const run = await runTool(path, spec.versionArgs, timeoutMs);
  const version = spec.parse(`${run.stdout}\n${run.stderr}`);
  if (version !== undefined) return { found: true, path, version };
  const problem = run.timedOut
    ? `timed out after ${timeoutMs} ms`
    : run.error ?? `no version in its output (exit ${run.exitCode ?? '?'})`;
  return { found: true, path, problem };
}

/** Every tool of TOOL_SPECS, keyed by name, probed in parallel. */
export async function probeTools(specs: readonly ToolSpec[] = TOOL_SPECS): Promise<Record<string, ToolInfo>> {
  const infos = await Promise.all(specs.map((spec) => probeTool(spec)));
  return Object.fromEntries(specs.map((spec, i) => [spec.name, infos[i] as ToolInfo]));
}

/** Where QEMU's virtiofsd lives (not on $PATH in Debian: /usr/lib/qemu in 12, /usr/libexec in 13+). */
export const VIRTIOFSD_PATHS: readonly string[] = ['/usr/libexec/virtiofsd', '/usr/lib/qemu/virtiofsd', '/usr/bin/virtiofsd'];

export async function findVirtiofsd(): Promise<string | undefined> {
  for (const candidate of VIRTIOFSD_PATHS) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there; try the next
    }
  }
  return undefined;
}
