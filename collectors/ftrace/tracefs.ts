// tracefs for one profiling pass, in an ftrace instance of our own (review M9): the pass creates
// `instances/dmabench-<pid>` under tracefs, sets it up from scratch, hands out its trace as a
// stream, and removes it (rmdir) afterwards, also when the process gets SIGINT, SIGTERM or SIGHUP
// (core/proc/signals.ts) in the middle. Nothing of the global instance is written: the user's
// trace buffer, tracer, filters, events and options stay as they were. An instance left behind by
// a dmabench killed outright (SIGKILL, a crash) is removed by the next pass, once its pid is dead.
// On a kernel without instances, or whose instances lack the tracer asked for, the pass refuses
// with the reason (TracefsError: exit 2) instead of taking over the global instance. Writes are
// synchronous on purpose: a signal handler must be able to remove the instance before the process
// dies, and tracefs writes are tiny.
//
// ftrace facts handled here (ARCHITECTURE.md, "Lab facts"):
// - a new instance starts with tracing on, the nop tracer, no events and empty filters, and its
//   ring buffer already allocated at its own buffer_size_kb; it inherits the global instance's
//   core options (trace_options) at creation, so the ones the parsers depend on are set here;
// - some files exist only at the top level and apply to every instance (set_graph_function,
//   set_graph_notrace, max_graph_depth; the function_graph and function tracers' own options on
//   the kernels seen): they are read, never written, and a setting that would change what a
//   function_graph pass records is a refusal;
// - a name missing from available_filter_functions makes the whole filter write fail: names are
//   checked first and written one by one in append mode; absent ones are reported, not fatal;
// - an empty set_ftrace_filter means "every function": a pass with none of its names refuses;
// - the kernel refuses to remove an instance (EBUSY) while any of its files is open: the pass
//   closes its own descriptors first, and retries rmdir for a while when another process has one
//   open, then names the processes that do.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TracefsError, locateTracefs } from '../../core/system/tracefs.js';
import { TERMINATION_SIGNALS } from '../../core/proc/signals.js';

export interface TracefsPassConfig {
  /** current_tracer for the pass: 'function', 'function_graph', or 'nop' (events only). Default 'nop'. */
  tracer?: string;
  /** Names for the instance's set_ftrace_filter (function tracers trace only these). */
  filterFunctions?: string[];
  /** Tracepoints as `system:event` (e.g. `iommu:map`), written to the instance's set_event. */
  events?: string[];
  /** Per-event filters (`system:event` → expression), written to the instance's events/SYS/EV/filter. */
  eventFilters?: Record<string, string>;
  /**
   * Core trace options (`irq-info`, `record-tgid`, ...) by name, through the instance's options/NAME,
   * on top of INSTANCE_OPTIONS. An option the kernel shares with the global instance is refused.
   */
  options?: Record<string, boolean>;
  /** Per-CPU ring buffer size in KiB. */
  bufferSizeKb?: number;
}

/** Instance names are this prefix and the pid of the dmabench process that made them. */
export const INSTANCE_PREFIX = 'dmabench-';

export function instanceName(pid = process.pid): string {
  return `${INSTANCE_PREFIX}${pid}`;
}

/**
 * Core options set in every instance, whatever the global instance had when the instance was made:
 * no stack traces after each event (they multiply buffer use and lose events), plain symbol names,
 * the text format the parsers read. Only those the kernel offers in the instance are written.
 */
export const INSTANCE_OPTIONS: Readonly<Record<string, boolean>> = {
  stacktrace: false,
  userstacktrace: false,
  'sym-offset': false,
  'sym-addr': false,
  raw: false,
  hex: false,
  bin: false,
  'latency-format': false,
  'context-info': true,
  'display-graph': false,
};

/**
 * Top-level files the kernel applies to every instance's function_graph tracer, with the reading
 * that means "not set". Any other reading changes what a graph pass records: a refusal.
 */
const GLOBAL_GRAPH_SETTINGS: Readonly<Record<string, (text: string) => boolean>> = {
  set_graph_function: (t) => listLines(t).length === 0,
  set_graph_notrace: (t) => listLines(t).length === 0,
  max_graph_depth: (t) => t.trim() === '0',
};

export function readTracefsFile(root: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The per-CPU ring buffer size a buffer_size_kb reading stands for. A buffer never used since boot
 * reads `7 (expanded: 1408)`: 1408 is the size it takes on first use (ARCHITECTURE.md, "Lab facts").
 */
export function bufferSizeKb(text: string): number | undefined {
  const m = /expanded:\s*(\d+)/.exec(text) ?? /^\s*(\d+)\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A written buffer size comes back rounded up to whole sub-buffer pages (1408 reads 1410). */
const BUFFER_PAGE_KB = 4;

/**
 * Whether two readings of a tracefs file are the same setting, by meaning rather than text: an
 * unexpanded buffer and the size it reports once expanded are one setting, and so are sizes the
 * kernel's page rounding makes differ by less than a page. Other files compare as trimmed text.
 */
export function sameTracefsSetting(file: string, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (file === 'buffer_size_kb') {
    const ka = bufferSizeKb(a);
    const kb = bufferSizeKb(b);
    if (ka !== undefined && kb !== undefined) return Math.abs(ka - kb) < BUFFER_PAGE_KB;
  }
  return a.trim() === b.trim();
}

/** Lines of a list file, without the `#### all functions enabled ####` placeholder and comments. */
function listLines(content: string): string[] {
  return content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function writeFile(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value.endsWith('\n') ? value : `${value}\n`);
}

/** Truncates a list file, then appends entries one by one (one bad entry fails alone). */
function writeList(dir: string, file: string, entries: string[]): string[] {
  const p = path.join(dir, file);
  fs.writeFileSync(p, '');
  const failed: string[] = [];
  for (const e of entries) {
    try {
      fs.appendFileSync(p, `${e}\n`);
    } catch {
      failed.push(e);
    }
  }
  return failed;
}

/** Which of these names available_filter_functions lists (undefined: the file is unreadable). */
export async function availableFunctions(root: string, names: string[]): Promise<Set<string> | undefined> {
  const wanted = new Set(names);
  const found = new Set<string>();
  let stream: fs.ReadStream;
  try {
    fs.accessSync(path.join(root, 'available_filter_functions'), fs.constants.R_OK);
    stream = fs.createReadStream(path.join(root, 'available_filter_functions'), { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  let carry = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        const name = line.split(/\s/, 1)[0] ?? '';
        if (wanted.has(name)) found.add(name);
      }
    }
  } catch {
    return undefined;
  }
  const name = carry.split(/\s/, 1)[0] ?? '';
  if (wanted.has(name)) found.add(name);
  return found;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `instances/dmabench-<pid>` left by a dmabench that no longer runs (killed with SIGKILL, a
 * crash, a power cut does not leave one). Returns one line per instance found, removed or not.
 */
export function removeStaleInstances(root: string): string[] {
  const dir = path.join(root, 'instances');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const name of names) {
    const m = /^dmabench-(\d+)$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && pidAlive(pid)) continue;
    const why = pid === process.pid ? 'this process left it' : `pid ${pid} is gone`;
    try {
      removeInstanceDir(path.join(dir, name));
      lines.push(`removed the leftover tracefs instance ${name} (${why})`);
    } catch (e) {
      lines.push(`could not remove the leftover tracefs instance ${name} (${why}): ${(e as Error).message}`);
    }
  }
  return lines;
}

/**
 * How long rmdir is retried while the kernel says the instance is busy: any open file of the
 * instance (trace, trace_pipe, current_tracer, an event's filter: most take a reference on it)
 * makes rmdir fail with EBUSY, so a tool that merely reads one for a moment (a watcher polling
 * current_tracer, as the lab's instance test does) would otherwise leave the instance behind.
 */
const BUSY_RETRY_MS = 2000;
const BUSY_POLL_MS = 20;

/** Stops an instance and removes it; the kernel tears its tracer and events down with it. */
function removeInstanceDir(dir: string): void {
  // Best effort first: tracing off, so nothing more lands in a buffer about to go.
  try {
    writeFile(dir, 'tracing_on', '0');
  } catch {
    // the rmdir below says whether it matters
  }
  const deadline = Date.now() + BUSY_RETRY_MS;
  for (;;) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
      if (Date.now() >= deadline) {
        const holders = processesHoldingOpen(dir);
        const who = holders.length ? `held open by ${holders.join(', ')}` : 'no process holds a file of it open (a reference inside the kernel?)';
        throw new Error(`${(e as Error).message}: still busy after ${BUSY_RETRY_MS / 1000} s, ${who}`, { cause: e });
      }
      // Synchronous: remove() also runs from signal and exit handlers, where nothing async completes.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_POLL_MS);
    }
  }
}

/** "pid N (comm)" for every process with a file under `dir` open, from /proc/PID/fd. */
function processesHoldingOpen(dir: string): string[] {
  const prefix = dir + path.sep;
  const holders: string[] = [];
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return holders;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = fds.some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(prefix);
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let comm = '?';
    try {
      comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      // exited meanwhile
    }
    holders.push(`pid ${pid} (${comm})`);
  }
  return holders;
}

/** The tracers an instance offers (its own available_tracers). */
export function instanceTracers(dir: string): string[] {
  return (readTracefsFile(dir, 'available_tracers') ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Why a pass with this tracer cannot run in an instance on this kernel, or undefined when it can.
 * Creates and removes a probe instance (the same name a pass would use).
 */
export function instanceRefusal(root: string, tracer: string): string | undefined {
  const instances = path.join(root, 'instances');
  if (!fs.existsSync(instances)) {
    return `tracefs at ${root} has no instances directory (a kernel without ftrace instances): dmabench traces only in an instance of its own, never in the global one`;
  }
  const dir = path.join(instances, instanceName());
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot create the tracefs instance ${dir}: ${(e as Error).message}`;
  }
  try {
    return tracerRefusal(root, dir, tracer);
  } finally {
    try {
      removeInstanceDir(dir);
    } catch {
      // a pass creating it next removes a leftover first
    }
  }
}

function tracerRefusal(root: string, dir: string, tracer: string): string | undefined {
  if (tracer === 'nop') return undefined;
  const tracers = instanceTracers(dir);
  if (!tracers.includes(tracer)) {
    return `the ${tracer} tracer is not available in a tracefs instance on this kernel (an instance offers: ${tracers.join(' ') || 'nothing'}); dmabench does not take over the global instance for it`;
  }
  if (tracer === 'function_graph') {
    for (const [file, isDefault] of Object.entries(GLOBAL_GRAPH_SETTINGS)) {
      if (fs.existsSync(path.join(dir, file))) continue; // the instance has its own
      const text = readTracefsFile(root, file);
      if (text !== undefined && !isDefault(text)) {
        const shown = listLines(text).slice(0, 5).join(' ') || text.trim();
        return `${root}/${file} is set (${shown}) and this kernel applies it to every instance's function_graph tracer, so the pass would not record what it says; clear it, dmabench does not change the global instance`;
      }
    }
  }
  return undefined;
}

export interface PassSetupReport {
  /** Filter names skipped: absent from available_filter_functions or refused by the kernel. */
  missingFilterFunctions: string[];
  /** Events set_event refused. */
  missingEvents: string[];
  /** Event filters the kernel refused, as `system:event: message`. */
  refusedEventFilters: string[];
  /** Leftover instances of dead dmabench processes found (and removed) before this one was made. */
  staleInstances: string[];
  /** The instance's options/* as they read once set up (tracer options included: they are the kernel's, not ours). */
  options: Record<string, string>;
}

/**
 * One tracing pass in its own instance. begin() removes leftovers of dead dmabench processes,
 * creates the instance and sets it up with tracing off; start() turns tracing on; stop() turns it
 * off; readTrace()/readPipe() give the text; remove() removes the instance. SIGINT/SIGTERM/SIGHUP
 * during the pass remove it and then re-raise (unless the caller owns the signals: handleSignals: false).
 */
export class TracefsPass {
  private removed = false;
  /** trace_pipe descriptors handed out by readPipe() and not closed yet. */
  private readonly pipeFds = new Set<number>();
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];

  private constructor(
    /** The tracefs mount. */
    readonly root: string,
    /** The instance directory: ROOT/instances/dmabench-<pid>. */
    readonly dir: string,
    readonly setup: PassSetupReport,
  ) {}

  static async begin(cfg: TracefsPassConfig, opts: { root?: string; handleSignals?: boolean } = {}): Promise<TracefsPass> {
    const root = opts.root ?? locateTracefs();
    const staleInstances = removeStaleInstances(root);
    const instances = path.join(root, 'instances');
    if (!fs.existsSync(instances)) throw new TracefsError(instanceRefusal(root, cfg.tracer ?? 'nop') ?? `no ${instances}`);
    const dir = path.join(instances, instanceName());
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      throw new TracefsError(`cannot create the tracefs instance ${dir}: ${(e as Error).message}`);
    }
    const pass = new TracefsPass(root, dir, { missingFilterFunctions: [], missingEvents: [], refusedEventFilters: [], staleInstances, options: {} });
    if (opts.handleSignals !== false) pass.installSignalHandlers();
    try {
      const refusal = tracerRefusal(root, dir, cfg.tracer ?? 'nop');
      if (refusal !== undefined) throw new TracefsError(refusal);
      const filterCheck = cfg.filterFunctions ? await availableFunctions(root, cfg.filterFunctions) : undefined;
      pass.apply(cfg, filterCheck);
    } catch (e) {
      const errors = pass.remove();
      const suffix = errors.length > 0 ? ` (removing the instance also failed: ${errors.join('; ')})` : '';
      if (e instanceof TracefsError) {
        e.message += suffix;
        throw e;
      }
      throw new TracefsError(`setting up the trace instance ${dir} failed: ${(e as Error).message}${suffix}`);
    }
    return pass;
  }

  private apply(cfg: TracefsPassConfig, available: Set<string> | undefined): void {
    const dir = this.dir;
    writeFile(dir, 'tracing_on', '0');
    if (cfg.bufferSizeKb !== undefined) writeFile(dir, 'buffer_size_kb', String(cfg.bufferSizeKb));
    for (const [name, on] of Object.entries({ ...INSTANCE_OPTIONS, ...cfg.options })) this.setOption(name, on, cfg.options?.[name] !== undefined);
    // Filters go in BEFORE the tracer: a function tracer switched on while set_ftrace_filter is
    // still empty patches every function of the kernel for a moment, and traces them all (in the
    // lab under QEMU 7.2's multi-threaded TCG that mass live-patching even oopsed a 6.12 guest on
    // a stale int3, QEMU's bug: lab/boot.ts).
    if (cfg.filterFunctions !== undefined) {
      const present = available ? cfg.filterFunctions.filter((n) => available.has(n)) : cfg.filterFunctions;
      const absent = available ? cfg.filterFunctions.filter((n) => !available.has(n)) : [];
      this.setup.missingFilterFunctions.push(...absent, ...writeList(dir, 'set_ftrace_filter', present));
      if (cfg.filterFunctions.length > 0 && this.setup.missingFilterFunctions.length === cfg.filterFunctions.length) {
        // An empty filter would trace every function in the kernel.
        throw new TracefsError(`none of the filter functions could be set in ${dir}/set_ftrace_filter: ${cfg.filterFunctions.join(', ')}`);
      }
    }
    writeFile(dir, 'current_tracer', cfg.tracer ?? 'nop');
    this.setup.missingEvents.push(...writeList(dir, 'set_event', cfg.events ?? []));
    for (const [event, filter] of Object.entries(cfg.eventFilters ?? {})) {
      const [system, name] = event.split(':');
      if (system === undefined || name === undefined || this.setup.missingEvents.includes(event)) continue;
      try {
        writeFile(path.join(dir, 'events', system, name), 'filter', filter);
      } catch (e) {
        this.setup.refusedEventFilters.push(`${event}: ${(e as Error).message}`);
      }
    }
    this.setup.options = readOptions(dir);
  }

  /**
   * Sets a core option in the instance, and proves the global instance did not change with it (some
   * options are the kernel's, shared by every instance): if it did, it is put back and the pass
   * refuses. Options the instance does not offer are skipped unless asked for by name.
   */
  private setOption(name: string, on: boolean, asked: boolean): void {
    const want = on ? '1' : '0';
    const current = readTracefsFile(this.dir, `options/${name}`);
    if (current === undefined) {
      if (asked) throw new TracefsError(`option ${name} is not offered in a tracefs instance on this kernel`);
      return;
    }
    if (current.trim() === want) return;
    const globalBefore = readTracefsFile(this.root, `options/${name}`);
    writeFile(this.dir, `options/${name}`, want);
    const globalAfter = readTracefsFile(this.root, `options/${name}`);
    if (globalBefore !== undefined && globalAfter !== undefined && globalBefore.trim() !== globalAfter.trim()) {
      writeFile(this.root, `options/${name}`, globalBefore.trim());
      throw new TracefsError(`option ${name} is shared with the global tracefs instance on this kernel (it was put back); dmabench does not change the global instance`);
    }
  }

  /** Turns tracing on (the instance's buffer is new: nothing to clear). */
  start(): void {
    writeFile(this.dir, 'tracing_on', '1');
  }

  /** Turns tracing off; a no-op once removed. */
  stop(): void {
    if (this.removed) return;
    writeFile(this.dir, 'tracing_on', '0');
  }

  /** The instance's `trace` file (a snapshot that does not consume events) as a stream. */
  readTrace(): Readable {
    return fs.createReadStream(path.join(this.dir, 'trace'));
  }

  /**
   * The instance's `trace_pipe` (consuming) as a stream that ends when `signal` aborts and the pipe
   * is drained. Reads non-blocking and polls: a blocking read would pin a libuv thread until the next event.
   */
  readPipe(signal: AbortSignal, pollMs = 50): Readable {
    const file = path.join(this.dir, 'trace_pipe');
    // The fd is opened here, synchronously, so remove() can close it at any time: the kernel
    // refuses to remove an instance (EBUSY) while its trace_pipe is open.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    this.pipeFds.add(fd);
    const open = (): boolean => this.pipeFds.has(fd);
    const close = (): void => {
      if (this.pipeFds.delete(fd)) fs.closeSync(fd);
    };
    async function* chunks(): AsyncGenerator<Buffer> {
      const buf = Buffer.alloc(64 * 1024);
      try {
        // Checked before every read: remove() may have closed the fd (and its number be reused).
        while (open()) {
          let n = 0;
          try {
            n = fs.readSync(fd, buf, 0, buf.length, null);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          }
          if (n > 0) {
            yield Buffer.from(buf.subarray(0, n));
            continue;
          }
          if (signal.aborted) return;
          await sleep(pollMs);
        }
      } finally {
        close();
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /** Removes the instance; idempotent. Returns messages when it could not be removed. */
  remove(): string[] {
    if (this.removed) return [];
    this.removed = true;
    this.removeSignalHandlers();
    for (const fd of this.pipeFds) fs.closeSync(fd);
    this.pipeFds.clear();
    try {
      removeInstanceDir(this.dir);
      return [];
    } catch (e) {
      return [`${this.dir}: ${(e as Error).message}`];
    }
  }

  private installSignalHandlers(): void {
    for (const sig of TERMINATION_SIGNALS) {
      const handler = (): void => {
        const errors = this.remove();
        for (const e of errors) process.stderr.write(`dmabench: tracefs instance not removed: ${e}\n`);
        // Die of the same signal as the default action would have, now that the instance is gone.
        process.kill(process.pid, sig);
      };
      process.on(sig, handler);
      this.signalHandlers.push([sig, handler]);
    }
  }

  private removeSignalHandlers(): void {
    for (const [sig, handler] of this.signalHandlers) process.off(sig, handler);
    this.signalHandlers.length = 0;
  }
}

/** options/* of an instance as they read (name → `0`/`1`). */
function readOptions(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(dir, 'options')).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const v = readTracefsFile(dir, `options/${n}`);
    if (v !== undefined) out[n] = v.trim();
  }
  return out;
}

/**
 * Runs one pass around a workload: begin, start, workload, stop, consume the trace, remove.
 * Removes the instance also when the workload or the consumer throws.
 */
export async function runTracePass<W, R>(
  cfg: TracefsPassConfig,
  workload: () => Promise<W>,
  consume: (trace: Readable) => Promise<R>,
  opts: { root?: string } = {},
): Promise<{ workload: W; result: R; setup: PassSetupReport; instance: string; removeErrors: string[] }> {
  const pass = await TracefsPass.begin(cfg, { root: opts.root });
  try {
    pass.start();
    let w: W;
    try {
      w = await workload();
    } finally {
      pass.stop();
    }
    const result = await consume(pass.readTrace());
    return { workload: w, result, setup: pass.setup, instance: pass.dir, removeErrors: pass.remove() };
  } finally {
    pass.remove(); // no-op after a successful remove above
  }
}
