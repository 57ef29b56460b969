// Marks fio's I/O phase for the profiler of a profile pass (model/workload-collector.ts IoPhase,
// review M7). fio's own job options do it: every job process runs `exec_prerun` after it has
// opened its files and set up its engine and buffers, right before its first I/O (ramp_time
// included), and `exec_postrun` after its last I/O has completed, before it exits; fio waits for
// each. So the profiler is switched on before any I/O and off before fio's exit and our parsing.
// Why not the alternatives: fio's status output comes at intervals (a window edge up to an
// interval late), and the target's in-flight counters are polled (edges late by a poll, and a
// shared device's counters move for others too).
//
// Security: fio runs these options through system(), as `<option> > <jobname>.<mode>.txt 2>&1`
// in its working directory. So the option holds nothing from input: the path of a script of
// ours, written here with fixed content into a directory of ours (mkdtemp, 0700) whose path is
// checked to be plain characters, and a fixed word; the job name is a workload name (letters,
// digits, `_ . -`: model/campaign.ts), checked again here; fio's working directory is our
// directory, so the `.txt` files land there and nowhere else.
//
// The script tells us through a FIFO (`request`: "start PID" or "end PID") and waits for our
// answer on a FIFO of its own (`ack.PID`): "ok" once the profiler is on (or off), anything else
// fails the job's prerun, so fio never does I/O with the profiler in a state we did not mean.
import { execa } from 'execa';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { IoPhase } from '../../model/workload-collector.js';

/** The script fio runs; `$1` is start or end. Fixed content: nothing from input. */
export const HOOK_SCRIPT = `#!/bin/sh
# dmabench: fio runs this (exec_prerun / exec_postrun) in a job process right before its first
# I/O and right after its last, and waits for it; dmabench answers once its profiler is switched.
d=\${0%/*}
a="$d/ack.$$"
mkfifo -m 600 "$a" || exit 1
printf '%s %s\\n' "$1" "$$" > "$d/request"
read -r answer < "$a"
rm -f "$a"
[ "$answer" = ok ]
`;

/** Where the hook's directory may go: memory first (a FIFO needs a filesystem that has them). */
export const HOOK_DIR_CANDIDATES = ['/dev/shm', '/run', os.tmpdir(), '/tmp'];

/** What may appear in a path handed to fio's system(): no blank, quote or shell character. */
const PLAIN_PATH = /^\/[A-Za-z0-9_./-]+$/;
const JOB_NAME = /^[A-Za-z0-9_.-]+$/;
const REQUEST = /^(start|end) (\d+)$/;
/** How long we wait for a hook to open its answer FIFO after it asked. */
const ACK_OPEN_TIMEOUT_MS = 10_000;

export interface FioIoPhaseHookOptions {
  /** fio's job name (its `--name`), which fio puts in the shell string. */
  jobName: string;
  /** Job processes fio starts (numjobs): the phase ends when all of them have ended their I/O. */
  jobs: number;
  log?: (line: string) => void;
}

export class FioIoPhaseHook {
  private starts = 0;
  private ends = 0;
  private readonly reader: net.Socket;
  private closed = false;
  /** Requests are answered one at a time, in the order they came. */
  private queue: Promise<void> = Promise.resolve();
  private buffered = '';
  /**
   * Why a switch failed, if one did. fio then skips that job's I/O but still exits 0 (a failed
   * prerun is not a job error to fio 3.33): the caller must fail the run on it.
   */
  failure: string | undefined = undefined;
  /** What the hooks asked, for the record (fio-io-phase.json). */
  readonly events: { what: 'start' | 'end'; pid: number; atMs: number }[] = [];

  private constructor(
    /** Our directory: the script, the FIFOs, fio's working directory. */
    readonly dir: string,
    private readonly phase: IoPhase,
    private readonly opts: FioIoPhaseHookOptions,
    fd: number,
  ) {
    this.reader = new net.Socket({ fd, readable: true, writable: false });
    this.reader.setEncoding('utf8');
    this.reader.on('data', (chunk: string) => this.onData(chunk));
    this.reader.on('error', (err) => opts.log?.(`fio: I/O phase hook: ${err.message}`));
  }

  static async create(phase: IoPhase, opts: FioIoPhaseHookOptions): Promise<FioIoPhaseHook> {
    if (!JOB_NAME.test(opts.jobName)) throw new Error(`fio job name "${opts.jobName}" may not go into fio's exec_prerun shell string`);
    const problems: string[] = [];
    for (const base of [...new Set(HOOK_DIR_CANDIDATES)]) {
      let dir: string | undefined;
      try {
        dir = fs.mkdtempSync(path.join(base, 'dmabench-io-phase-'));
        if (!PLAIN_PATH.test(dir)) throw new Error(`${dir} has characters a shell would read`);
        const script = path.join(dir, 'hook');
        fs.writeFileSync(script, HOOK_SCRIPT, { mode: 0o700 });
        const request = path.join(dir, 'request');
        await execa('mkfifo', ['-m', '600', request]);
        // Read and write: we are a writer of our own FIFO, so it never reads end-of-file between hooks.
        const fd = fs.openSync(request, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
        return new FioIoPhaseHook(dir, phase, opts, fd);
      } catch (err) {
        problems.push(`${base}: ${(err as Error).message}`);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    throw new Error(`no directory for fio's I/O phase hook: ${problems.join('; ')}`);
  }

  /** fio options that run the hook around each job's I/O. */
  fioArgs(): string[] {
    const script = path.join(this.dir, 'hook');
    return [`--exec_prerun=${script} start`, `--exec_postrun=${script} end`];
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const m = REQUEST.exec(line);
      if (!m) {
        this.opts.log?.(`fio: I/O phase hook: ignored ${JSON.stringify(line.slice(0, 80))}`);
        continue;
      }
      const what = m[1] as 'start' | 'end';
      const pid = Number(m[2]);
      this.queue = this.queue.then(() => this.answer(what, pid));
    }
  }

  private async answer(what: 'start' | 'end', pid: number): Promise<void> {
    this.events.push({ what, pid, atMs: performance.now() });
    let reply = 'ok';
    try {
      if (what === 'start') {
        this.starts++;
        await this.phase.start();
      } else {
        this.ends++;
        // The last job's I/O is over: the phase ends (a job that failed before its I/O never
        // asks; the runner then ends the phase when fio has exited).
        if (this.ends >= this.opts.jobs) await this.phase.end();
      }
    } catch (err) {
      reply = 'failed';
      this.failure ??= `the profiler could not be switched at the ${what} of fio's I/O: ${(err as Error).message}`;
      this.opts.log?.(`fio: ${this.failure}`);
    }
    await this.reply(pid, reply);
  }

  private async reply(pid: number, reply: string): Promise<void> {
    const fifo = path.join(this.dir, `ack.${pid}`);
    const deadline = performance.now() + ACK_OPEN_TIMEOUT_MS;
    for (;;) {
      try {
        // Non-blocking: fails (ENXIO) until the hook has opened its end for reading.
        const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        try {
          fs.writeSync(fd, `${reply}\n`);
        } finally {
          fs.closeSync(fd);
        }
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENXIO' && code !== 'ENOENT') || this.closed || performance.now() > deadline) {
          this.opts.log?.(`fio: I/O phase hook of pid ${pid} not answered: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }

  /** Stops listening and removes the directory (after fio has exited). */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.reader.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
