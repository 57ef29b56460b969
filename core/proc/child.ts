// A child process of a collector (fio; ib_write_bw's server, client, ssh or a set-up command)
// with an optional deadline. Killing reaches the whole process tree (tree.ts): fio's jobs call
// setsid, ssh and `timeout` start children of their own, so a process-group kill would miss them.
import { execa, type Options } from 'execa';
import { TreeKiller } from './tree.js';
import { MissingToolError } from './tool-check.js';

export interface ChildOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** Killed because its deadline passed. */
  timedOut: boolean;
  /** Killed because the caller aborted or called kill(). */
  killed: boolean;
  durationMs: number;
}

export interface ChildOptions {
  /** Deadline; none when the caller's signal is the only way to stop it. */
  timeoutMs?: number;
  /** Named in the error when the program is not installed. */
  debianPackage: string;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
  onStdout?: (textSoFar: string) => void;
  /** Open descriptors of ours the child gets as its fds 3, 4, ... (a target it must not reopen by name). */
  inheritFds?: number[];
  /** The child's working directory (default: ours). */
  cwd?: string;
}

export interface RunningChild {
  pid: number | undefined;
  done: Promise<ChildOutcome>;
  /** True until the process has exited. */
  running(): boolean;
  /** SIGTERM to the tree, SIGKILL after the grace period; resolves when it has exited. */
  kill(): Promise<ChildOutcome>;
  stdoutSoFar(): string;
}

export function startChild(file: string, args: string[], opts: ChildOptions): RunningChild {
  const started = performance.now();
  // execa passes a number at index 3+ to spawn() as a descriptor to inherit; its types only
  // admit that for 0-2, hence the cast.
  const stdio = ['ignore', 'pipe', 'pipe', ...(opts.inheritFds ?? [])] as unknown as Options['stdio'];
  const child = execa(file, args, { stdio, reject: false, buffer: false, env: { LC_ALL: 'C' }, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    opts.onStdout?.(stdout);
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });

  const tree = new TreeKiller(child.pid);
  let exited = false;
  let timedOut = false;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const grace = opts.graceMs ?? 3000;
  const signalTree = (sig: NodeJS.Signals): void => tree.signal(sig, { rescan: !exited });
  const terminate = (): void => {
    if (exited || killTimer) return;
    signalTree('SIGTERM');
    killTimer = setTimeout(() => signalTree('SIGKILL'), grace);
  };
  const deadline =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          terminate();
        }, opts.timeoutMs);
  const onAbort = (): void => {
    killed = true;
    terminate();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const done = (async (): Promise<ChildOutcome> => {
    const r = await child;
    exited = true;
    clearTimeout(deadline);
    if (killTimer) clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    // Descendants can outlive the leader (a remote `timeout`, ssh's helpers): finish them too.
    if (timedOut || killed) tree.signal('SIGKILL', { rescan: false });
    tree.release();
    if (r.failed && r.exitCode === undefined && /ENOENT/.test(r.message ?? '')) {
      throw new MissingToolError(`${file} not found: install it (Debian: apt-get install ${opts.debianPackage})`);
    }
    return {
      exitCode: r.exitCode,
      signal: r.signal ?? undefined,
      stdout,
      stderr,
      timedOut,
      killed,
      durationMs: performance.now() - started,
    };
  })();
  // Callers await `done` when they need it; an unhandled rejection must not crash the process first.
  done.catch(() => undefined);

  return {
    pid: child.pid,
    done,
    running: () => !exited,
    kill: async () => {
      killed = true;
      terminate();
      return done;
    },
    stdoutSoFar: () => stdout,
  };
}
