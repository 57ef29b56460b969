// A system-wide `perf stat` / `perf record` running in the background around a workload.
// perf starts with its events disabled (`-D -1`) and is driven through `--control fd:3,4`:
// "enable" is sent just before the workload and "disable" just after, and each waits for perf's
// "ack". So the counts cover the workload window, not perf's own start-up (seconds under TCG), and
// the profiler knows perf is really counting before the workload starts, without a sleep.
// SIGINT then makes perf write its output and exit. On abort the whole tree is killed.
import { execa } from 'execa';
import type { Readable, Writable } from 'node:stream';
import { TreeKiller } from '../../core/proc/tree.js';

export interface PerfExit {
  /** perf's stderr (its own messages: "Events enabled", "[ perf record: Captured ... ]"). */
  stderr: string;
  exitCode?: number;
  /** perf stat and perf record re-raise SIGINT after writing their output: 'SIGINT' is normal. */
  signal?: string;
}

export interface BackgroundPerf {
  pid: number | undefined;
  /** Disables the events, then SIGINT; resolves when perf has exited. */
  stop(): Promise<PerfExit>;
  /** Kills perf and anything it started (abort path). */
  kill(): void;
}

export interface StartPerfOptions {
  signal: AbortSignal;
  /** How long perf may take to acknowledge "enable" (it sets up every CPU's events first). */
  readyTimeoutMs?: number;
  /** How long perf may take to exit after SIGINT (perf record writes its buffers). */
  exitTimeoutMs?: number;
}

export class PerfControlError extends Error {
  override name = 'PerfControlError';
}

/** Runs `perf SUBCOMMAND -D -1 --control fd:3,4 ARGS...` and enables its events. */
export async function startControlledPerf(subcommand: 'stat' | 'record', args: string[], opts: StartPerfOptions): Promise<BackgroundPerf> {
  opts.signal.throwIfAborted();
  const child = execa('perf', [subcommand, '-D', '-1', '--control', 'fd:3,4', ...args], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    reject: false,
    buffer: false,
  });
  // Extra 'pipe' fds are socket pairs (duplex); execa types fd 3+ as output, but perf reads fd 3.
  const ctl = child.stdio[3] as unknown as Writable;
  const ack = child.stdio[4] as Readable;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  let acks = 0;
  let ackWaiter: (() => void) | undefined;
  ack.on('data', (d: Buffer) => {
    // perf writes "ack\n\0" per command.
    acks += (d.toString('latin1').match(/ack\n/g) ?? []).length;
    ackWaiter?.();
  });
  ack.on('error', () => undefined);
  ctl.on('error', () => undefined);

  let exited = false;
  let spawnError = '';
  const exit: Promise<PerfExit> = child.then((r) => {
    exited = true;
    if (r.exitCode === undefined && r.signal === undefined) spawnError = r.message ?? '';
    ackWaiter?.();
    return { stderr, exitCode: r.exitCode, signal: r.signal };
  });

  const tree = new TreeKiller(child.pid);
  const kill = (): void => tree.kill();
  const onAbort = (): void => kill();
  opts.signal.addEventListener('abort', onAbort, { once: true });

  /** Sends a control command and waits for its ack (or perf's exit, or the timeout). */
  const command = async (cmd: string, timeoutMs: number): Promise<void> => {
    const want = acks + 1;
    ctl.write(`${cmd}\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ackWaiter = undefined;
        reject(new PerfControlError(`perf ${subcommand} did not acknowledge "${cmd}" within ${timeoutMs} ms; stderr: ${stderr.trim()}`));
      }, timeoutMs);
      ackWaiter = () => {
        if (acks >= want || exited) {
          clearTimeout(timer);
          ackWaiter = undefined;
          if (acks >= want) resolve();
          else reject(new PerfControlError(`perf ${subcommand} exited before "${cmd}": ${stderr.trim() || 'no message'}`));
        }
      };
      ackWaiter();
    });
  };

  try {
    await command('enable', opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    kill();
    await exit;
    opts.signal.removeEventListener('abort', onAbort);
    if (/ENOENT/.test(spawnError)) {
      throw new PerfControlError('perf not found: install it (Debian: apt-get install linux-perf)');
    }
    throw err;
  }

  return {
    pid: child.pid,
    kill,
    async stop(): Promise<PerfExit> {
      try {
        if (!exited) await command('disable', 30_000);
      } catch {
        // perf will still write what it has on SIGINT.
      }
      if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGINT');
      const timer = setTimeout(kill, opts.exitTimeoutMs ?? 120_000);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
        ctl.end();
      }
    },
  };
}

/** Whether perf exited the way it does after writing its output on SIGINT. */
export function perfExitedCleanly(e: PerfExit): boolean {
  return e.exitCode === 0 || e.signal === 'SIGINT';
}
