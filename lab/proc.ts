// Child processes of the lab (debootstrap, apt in a chroot, virtiofsd, QEMU) run in their own
// process group so that one kill reaches every descendant, and they are killed when this
// process ends for any reason: a normal exit, SIGINT/SIGTERM/SIGHUP, or (through setpriv's
// parent-death signal) even a SIGKILL of node itself.
import { existsSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';

const liveGroups = new Set<number>();
const syncCleanups = new Set<() => void>();
let handlersInstalled = false;

/** Kill a process group, ignoring groups that are already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function killAllGroups(): void {
  for (const pid of liveGroups) killGroup(pid);
  liveGroups.clear();
  for (const fn of syncCleanups) {
    try {
      fn();
    } catch {
      // best effort: the process is ending
    }
  }
  syncCleanups.clear();
}

/**
 * Run `fn` (synchronous: the process is ending) if this process exits or is signalled before
 * the returned unregister function is called. For temporary files next to killed children.
 */
export function onProcessEnd(fn: () => void): () => void {
  installHandlers();
  syncCleanups.add(fn);
  return () => {
    syncCleanups.delete(fn);
    if (liveGroups.size === 0 && syncCleanups.size === 0) uninstallHandlers();
  };
}

function onFatalSignal(signal: NodeJS.Signals): void {
  killAllGroups();
  uninstallHandlers();
  // Re-raise so the process ends the way it would have without our handler, unless
  // the application installed its own handler (then it decides).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const fatalSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const s of fatalSignals) process.on(s, onFatalSignal);
  process.on('exit', killAllGroups);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  for (const s of fatalSignals) process.off(s, onFatalSignal);
  process.off('exit', killAllGroups);
}

const setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export interface GroupedOptions {
  cwd?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Called with each line of stdout and stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called with every raw stdout chunk (console streaming keeps bytes as they are). */
  onStdout?: (chunk: Buffer) => void;
}

export interface GroupedResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Last lines of stdout+stderr, for error messages. */
  tail: string[];
  aborted: boolean;
}

export interface GroupedProcess {
  pid: number;
  /** Resolves when the process has ended (never rejects). */
  done: Promise<GroupedResult>;
  /** SIGKILL the whole group (idempotent). */
  kill(): void;
}

const tailLines = 60;

/**
 * Start `file args` as the leader of a new process group, registered for cleanup.
 * The returned `done` never rejects: callers inspect exitCode/signal themselves.
 */
export function startGrouped(file: string, args: string[], opts: GroupedOptions = {}): GroupedProcess {
  installHandlers();
  // setpriv --pdeathsig makes the kernel kill the child if node dies without running handlers.
  const [cmd, argv] = setprivPath ? [setprivPath, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, args];
  const child: ResultPromise = execa(cmd, argv, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.env === undefined,
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: false,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${file}`);
  liveGroups.add(pid);

  const tail: string[] = [];
  const pushLine = (line: string, stream: 'stdout' | 'stderr'): void => {
    tail.push(line);
    if (tail.length > tailLines) tail.shift();
    opts.onLine?.(line, stream);
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    const source = child[stream];
    source?.on('data', (chunk: Buffer) => {
      if (stream === 'stdout') opts.onStdout?.(chunk);
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) pushLine(l.replace(/\r$/, ''), stream);
    });
    source?.on('end', () => {
      if (partial) pushLine(partial, stream);
      partial = '';
    });
  }

  let aborted = false;
  const kill = (): void => killGroup(pid);
  const onAbort = (): void => {
    aborted = true;
    kill();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const done = (async (): Promise<GroupedResult> => {
    const r = await child;
    opts.signal?.removeEventListener('abort', onAbort);
    // The leader is gone; make sure nothing it started outlives it.
    killGroup(pid);
    liveGroups.delete(pid);
    if (liveGroups.size === 0 && syncCleanups.size === 0) uninstallHandlers();
    return { exitCode: r.exitCode, signal: r.signal, tail, aborted };
  })();
  return { pid, done, kill };
}

/** Run to completion; throw with the output's tail when it fails. */
export async function runGrouped(file: string, args: string[], opts: GroupedOptions = {}): Promise<GroupedResult> {
  const r = await startGrouped(file, args, opts).done;
  if (r.aborted) throw new Error(`${file} was aborted`);
  if (r.exitCode !== 0) {
    const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`;
    throw new Error(`${[file, ...args].join(' ')} ${how}; last output:\n${r.tail.join('\n')}`);
  }
  return r;
}
