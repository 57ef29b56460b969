// A system-wide `perf stat` / `perf record` running in the background around a workload.
// perf starts with its events disabled (`-D -1`) and is driven through `--control fd:3,4`: a
// "disable" (a no-op) is sent at start-up and its "ack" says perf has set up every CPU's events;
// "enable" is sent when the workload's I/O starts and "disable" when it ends (model/profiler.ts
// on/off, review M7), and each waits for perf's "ack". So the counts cover the I/O window, not
// perf's own start-up (seconds under TCG), and the profiler knows perf is really counting before
// the I/O starts, without a sleep.
// perf runs `sleep DEADLINE` as its workload (system-wide counting with -a does not depend on it):
// it ends by itself at the deadline even if dmabench is killed and can no longer stop it, so an
// orphaned `perf record -a` cannot fill the disk. To stop it, the sleep gets SIGINT: perf then
// writes its output and exits (perf stat with a workload ignores a SIGINT of its own, waiting for
// the workload, seen with perf 6.1). On abort the whole tree is killed.
import { execa } from 'execa';
import type { Readable, Writable } from 'node:stream';
import { TreeKiller } from '../../core/proc/tree.js';
import { lastLine } from '../../core/text/lines.js';

export interface PerfExit {
  /** perf's stderr (its own messages: "Events enabled", "[ perf record: Captured ... ]"). */
  stderr: string;
  exitCode?: number;
  /** perf record re-raises the SIGINT that ended its workload after writing its output: 'SIGINT' is normal. */
  signal?: string;
  /** perf had ended before stop(): its deadline passed (or it failed) while the workload still ran. */
  endedBeforeStop: boolean;
}

export interface BackgroundPerf {
  pid: number | undefined;
  /** Enables the events; resolves on perf's ack. */
  enable(): Promise<void>;
  /** Disables the events; resolves on perf's ack. A no-op unless enabled. */
  disable(): Promise<void>;
  /** Disables the events (if enabled), then ends perf's workload (SIGINT to the sleep); resolves when perf has exited. */
  stop(): Promise<PerfExit>;
  /** Kills perf and anything it started (abort path). */
  kill(): void;
}

export interface StartPerfOptions {
  signal: AbortSignal;
  /** perf ends by itself after this many seconds, whatever happens to dmabench. */
  deadlineSec: number;
  /** How long perf may take to acknowledge its first command (it sets up every CPU's events first). */
  readyTimeoutMs?: number;
  /** How long perf may take to exit after SIGINT (perf record writes its buffers). */
  exitTimeoutMs?: number;
  /**
   * Called right after perf acknowledges "enable" ('open') and right before "disable" is sent
   * ('close'), with nothing in between: whatever it reads covers the window perf counts
   * (perf-stat reads /proc/stat there). Not called for a perf that had already exited.
   */
  onWindow?: (edge: 'open' | 'close') => void;
}

export class PerfControlError extends Error {
  override name = 'PerfControlError';
}

/** The command line: `perf SUBCOMMAND -D -1 --control fd:3,4 ARGS... -- sleep DEADLINE`. */
export function controlledPerfArgs(subcommand: 'stat' | 'record', args: string[], deadlineSec: number): string[] {
  return [subcommand, '-D', '-1', '--control', 'fd:3,4', ...args, '--', 'sleep', String(Math.max(1, Math.ceil(deadlineSec)))];
}

/** Runs perf (controlledPerfArgs) and waits until it is ready, its events still disabled. */
export async function startControlledPerf(subcommand: 'stat' | 'record', args: string[], opts: StartPerfOptions): Promise<BackgroundPerf> {
  opts.signal.throwIfAborted();
  const child = execa('perf', controlledPerfArgs(subcommand, args, opts.deadlineSec), {
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
  let stopping = false;
  let spawnError = '';
  const tree = new TreeKiller(child.pid);
  const exit: Promise<PerfExit> = child.then((r) => {
    exited = true;
    tree.release();
    if (r.exitCode === undefined && r.signal === undefined) spawnError = r.message ?? '';
    ackWaiter?.();
    return { stderr, exitCode: r.exitCode, signal: r.signal, endedBeforeStop: !stopping };
  });

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
    // Events are disabled already (-D -1): this "disable" only waits for perf to be ready.
    await command('disable', opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    kill();
    await exit;
    opts.signal.removeEventListener('abort', onAbort);
    if (/ENOENT/.test(spawnError)) {
      throw new PerfControlError('perf not found: install it (Debian: apt-get install linux-perf)');
    }
    throw err;
  }

  let enabled = false;
  return {
    pid: child.pid,
    kill,
    async enable(): Promise<void> {
      if (enabled) return;
      await command('enable', 30_000);
      enabled = true;
      opts.onWindow?.('open');
    },
    async disable(): Promise<void> {
      if (!enabled || exited) return;
      enabled = false;
      opts.onWindow?.('close');
      await command('disable', 30_000);
    },
    async stop(): Promise<PerfExit> {
      stopping = !exited;
      try {
        if (!exited && enabled) {
          enabled = false;
          opts.onWindow?.('close');
          await command('disable', 30_000);
        }
      } catch {
        // perf will still write what it has when its workload ends.
      }
      // End perf's workload (the sleep), not perf: perf then writes its output and exits.
      if (!exited) {
        const workload = new TreeKiller(child.pid, { spareRoot: true });
        workload.signal('SIGINT');
        workload.release();
      }
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

/**
 * Whether perf exited the way it does after writing its output when stop() ended its workload.
 * perf 6.1 then exits 0; perf 7.2 (the lab's) passes on how its workload ended, 128 + SIGINT = 130
 * with "sleep: Interrupt" on stderr; perf record may re-raise the SIGINT itself.
 */
export function perfExitedCleanly(e: PerfExit): boolean {
  return !e.endedBeforeStop && (e.exitCode === 0 || e.exitCode === 130 || e.signal === 'SIGINT');
}

/** Why a perf that did not exit cleanly failed, for the pass's error. */
export function perfFailure(subcommand: 'stat' | 'record', e: PerfExit, deadlineSec: number): string {
  if (e.endedBeforeStop && e.exitCode === 0) return `perf ${subcommand} reached its ${deadlineSec} s deadline before the workload ended`;
  return `perf ${subcommand} failed (exit ${e.exitCode ?? e.signal}): ${lastLine(e.stderr)}`;
}
