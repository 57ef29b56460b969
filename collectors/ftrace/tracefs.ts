// Control of tracefs for one profiling pass: find it, save the state a pass changes, set the pass
// up, hand out the trace as a stream, and put everything back afterwards, also when the process
// gets SIGINT, SIGTERM or SIGHUP (core/proc/signals.ts) in the middle. Writes are synchronous on
// purpose: a signal handler must be able to restore the state before the process dies, and
// tracefs writes are tiny.
//
// ftrace pitfalls handled here (ARCHITECTURE.md, "Lab facts"):
// - writing current_tracer clears the ring buffer: tracing is switched off (and the buffer is
//   not trusted) before the tracer changes; the pass clears the buffer itself before it starts;
// - a name missing from available_filter_functions makes the whole filter write fail: names are
//   checked first and written one by one in append mode; absent ones are reported, not fatal;
// - set_ftrace_filter and set_graph_function read `#### all functions enabled ####` when empty.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TracefsError, locateTracefs } from '../../core/system/tracefs.js';
import { TERMINATION_SIGNALS } from '../../core/proc/signals.js';


export interface TracefsPassConfig {
  /** current_tracer for the pass: 'function', 'function_graph', or 'nop' (events only). Default 'nop'. */
  tracer?: string;
  /** Names for set_ftrace_filter (function tracers trace only these). */
  filterFunctions?: string[];
  /** Names for set_graph_function (function_graph starts graphs only at these). */
  graphFunctions?: string[];
  /** Tracepoints as `system:event` (e.g. `iommu:map`), written to set_event. */
  events?: string[];
  /** Tracer options by name (`funcgraph-proc`, `funcgraph-tail`, `irq-info`, ...), through options/NAME. */
  options?: Record<string, boolean>;
  /** Per-CPU ring buffer size in KiB. */
  bufferSizeKb?: number;
}

/** Content of every file a pass may change, as read before the pass. undefined: not readable. */
export interface TracefsState {
  root: string;
  files: Record<string, string | undefined>;
}

/** Files (relative to the tracefs root) whose content a pass changes and restore puts back. */
export function touchedFiles(cfg: TracefsPassConfig): string[] {
  const files = ['tracing_on', 'current_tracer', 'set_event'];
  if (cfg.filterFunctions !== undefined) files.push('set_ftrace_filter');
  if (cfg.graphFunctions !== undefined) files.push('set_graph_function');
  if (cfg.bufferSizeKb !== undefined) files.push('buffer_size_kb');
  for (const name of Object.keys(cfg.options ?? {})) files.push(`options/${name}`);
  return files;
}

export function readTracefsFile(root: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}

export function saveState(root: string, files: string[]): TracefsState {
  const saved: Record<string, string | undefined> = {};
  for (const f of files) saved[f] = readTracefsFile(root, f);
  return { root, files: saved };
}

/**
 * Writes the saved state back. Returns one message per file that could not be restored (an empty
 * array means everything is as it was). Synchronous so it can run inside a signal handler.
 */
export function restoreState(state: TracefsState): string[] {
  const errors: string[] = [];
  const { root, files } = state;
  const attempt = (file: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  };
  // Stop recording first so nothing of ours lands in the buffer while we restore.
  attempt('tracing_on', () => writeFile(root, 'tracing_on', '0'));
  // Then no tracer at all before any filter is put back: restoring an empty set_ftrace_filter
  // under a live function tracer means "trace every function" (seen in the lab: a tracer write
  // refused with EBUSY while trace_pipe was open, then the emptied filter made the kernel patch
  // every function, and the TCG guest oopsed). If the tracer cannot be switched off, filters stay.
  let tracerOff = true;
  if (files['current_tracer'] !== undefined) {
    try {
      writeFile(root, 'current_tracer', 'nop');
    } catch (e) {
      tracerOff = false;
      errors.push(`current_tracer: ${(e as Error).message}; filters left as the pass set them`);
    }
  }
  const filters = new Set(['set_ftrace_filter', 'set_graph_function']);
  // The saved tracer goes back last, over the restored filters.
  const order = [...Object.keys(files).filter((f) => f !== 'tracing_on' && f !== 'current_tracer'), 'current_tracer'];
  for (const file of order) {
    const content = files[file];
    if (content === undefined) continue; // we never could read it, so we never changed it
    if (filters.has(file) && !tracerOff) continue;
    if (file === 'current_tracer' && !tracerOff) continue;
    attempt(file, () => restoreFile(root, file, content));
  }
  const on = files['tracing_on'];
  if (on !== undefined) attempt('tracing_on', () => writeFile(root, 'tracing_on', on.trim()));
  return errors;
}

function restoreFile(root: string, file: string, content: string): void {
  switch (file) {
    case 'current_tracer':
      writeFile(root, file, content.trim());
      return;
    case 'set_ftrace_filter':
    case 'set_graph_function':
      // Module functions read back as `name [mod]`; the kernel takes the bare name.
      writeList(root, file, listLines(content).map((l) => l.replace(/\s+\[[^\]]+\]$/, '')));
      return;
    case 'set_event':
      writeList(root, file, listLines(content));
      return;
    case 'buffer_size_kb': {
      const kb = bufferSizeKb(content);
      if (kb !== undefined && !sameTracefsSetting(file, readTracefsFile(root, file), content)) writeFile(root, file, String(kb));
      return;
    }
    default:
      writeFile(root, file, content.trim());
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

function writeFile(root: string, file: string, value: string): void {
  fs.writeFileSync(path.join(root, file), value.endsWith('\n') ? value : `${value}\n`);
}

/** Truncates a list file, then appends entries one by one (one bad entry fails alone). */
function writeList(root: string, file: string, entries: string[]): string[] {
  const p = path.join(root, file);
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

export interface PassSetupReport {
  /** Filter names skipped: absent from available_filter_functions or refused by the kernel. */
  missingFilterFunctions: string[];
  missingGraphFunctions: string[];
  /** Events set_event refused. */
  missingEvents: string[];
}

/**
 * One tracing pass. begin() saves the state and sets the pass up with tracing off; start() clears
 * the buffer and turns tracing on; stop() turns it off; readTrace()/readPipe() give the text;
 * restore() puts tracefs back. SIGINT/SIGTERM/SIGHUP during the pass restore and then re-raise
 * (unless the caller owns the signals: handleSignals: false).
 */
export class TracefsPass {
  private restored = false;
  /** trace_pipe descriptors handed out by readPipe() and not closed yet. */
  private readonly pipeFds = new Set<number>();
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];

  private constructor(
    readonly root: string,
    readonly saved: TracefsState,
    readonly setup: PassSetupReport,
  ) {}

  static async begin(cfg: TracefsPassConfig, opts: { root?: string; handleSignals?: boolean } = {}): Promise<TracefsPass> {
    const root = opts.root ?? locateTracefs();
    const files = touchedFiles(cfg);
    const saved = saveState(root, files);
    // Refuse before changing anything if a file the pass needs cannot even be read (lockdown,
    // missing tracer support): we could not put it back.
    const unreadable = files.filter((f) => saved.files[f] === undefined);
    if (unreadable.length > 0) throw new TracefsError(`cannot read ${unreadable.join(', ')} under ${root}; not touching tracefs`);

    const filterCheck = await availableFunctions(root, [...(cfg.filterFunctions ?? []), ...(cfg.graphFunctions ?? [])]);
    const pass = new TracefsPass(root, saved, { missingFilterFunctions: [], missingGraphFunctions: [], missingEvents: [] });
    if (opts.handleSignals !== false) pass.installSignalHandlers();
    try {
      pass.apply(cfg, filterCheck);
    } catch (e) {
      const errors = pass.restore();
      const suffix = errors.length > 0 ? ` (restore also failed: ${errors.join('; ')})` : '';
      throw new TracefsError(`setting up the trace pass failed: ${(e as Error).message}${suffix}`);
    }
    return pass;
  }

  private apply(cfg: TracefsPassConfig, available: Set<string> | undefined): void {
    const root = this.root;
    writeFile(root, 'tracing_on', '0');
    if (cfg.bufferSizeKb !== undefined) writeFile(root, 'buffer_size_kb', String(cfg.bufferSizeKb));
    // Filters go in BEFORE the tracer: a function tracer switched on while set_ftrace_filter is
    // still empty patches every function of the kernel for a moment (seen in the lab: under TCG
    // that mass live-patching oopsed a 6.12 guest on a stale int3 in an unrelated function).
    if (cfg.filterFunctions !== undefined) {
      this.setup.missingFilterFunctions.push(...this.writeFunctions('set_ftrace_filter', cfg.filterFunctions, available));
      if (cfg.filterFunctions.length > 0 && this.setup.missingFilterFunctions.length === cfg.filterFunctions.length) {
        // An empty filter would trace every function in the kernel.
        throw new TracefsError(`none of the filter functions exist: ${cfg.filterFunctions.join(', ')}`);
      }
    }
    if (cfg.graphFunctions !== undefined) {
      this.setup.missingGraphFunctions.push(...this.writeFunctions('set_graph_function', cfg.graphFunctions, available));
    }
    // Changing the tracer clears the buffer; the previous content is not ours, so it is dropped.
    writeFile(root, 'current_tracer', cfg.tracer ?? 'nop');
    // Tracer options after the tracer: some kernels list a tracer's options only while it is current.
    for (const [name, on] of Object.entries(cfg.options ?? {})) writeFile(root, `options/${name}`, on ? '1' : '0');
    this.setup.missingEvents.push(...writeList(root, 'set_event', cfg.events ?? []));
  }

  private writeFunctions(file: string, names: string[], available: Set<string> | undefined): string[] {
    const present = available ? names.filter((n) => available.has(n)) : names;
    const absent = available ? names.filter((n) => !available.has(n)) : [];
    return [...absent, ...writeList(this.root, file, present)];
  }

  /** Clears the buffer and turns tracing on. */
  start(): void {
    writeFile(this.root, 'trace', '');
    writeFile(this.root, 'tracing_on', '1');
  }

  /** Turns tracing off; a no-op once restored (tracing_on is the saved value again by then). */
  stop(): void {
    if (this.restored) return;
    writeFile(this.root, 'tracing_on', '0');
  }

  /** The `trace` file (a snapshot that does not consume events) as a stream. */
  readTrace(): Readable {
    return fs.createReadStream(path.join(this.root, 'trace'));
  }

  /**
   * `trace_pipe` (consuming) as a stream that ends when `signal` aborts and the pipe is drained.
   * Reads non-blocking and polls: a blocking read would pin a libuv thread until the next event.
   */
  readPipe(signal: AbortSignal, pollMs = 50): Readable {
    const file = path.join(this.root, 'trace_pipe');
    // The fd is opened here, synchronously, so restore() can close it at any time: the kernel
    // refuses to change current_tracer (EBUSY) while trace_pipe is open.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    this.pipeFds.add(fd);
    const open = (): boolean => this.pipeFds.has(fd);
    const close = (): void => {
      if (this.pipeFds.delete(fd)) fs.closeSync(fd);
    };
    async function* chunks(): AsyncGenerator<Buffer> {
      const buf = Buffer.alloc(64 * 1024);
      try {
        // Checked before every read: restore() may have closed the fd (and its number be reused).
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

  /** Puts back everything begin() saved; idempotent. Returns messages for files not restored. */
  restore(): string[] {
    if (this.restored) return [];
    this.restored = true;
    this.removeSignalHandlers();
    // An open trace_pipe would make the current_tracer write fail with EBUSY.
    for (const fd of this.pipeFds) fs.closeSync(fd);
    this.pipeFds.clear();
    return restoreState(this.saved);
  }

  private installSignalHandlers(): void {
    for (const sig of TERMINATION_SIGNALS) {
      const handler = (): void => {
        const errors = this.restore();
        for (const e of errors) process.stderr.write(`dmabench: tracefs restore: ${e}\n`);
        // Die of the same signal as the default action would have, now that tracefs is clean.
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

/**
 * Runs one pass around a workload: begin, start, workload, stop, consume the trace, restore.
 * Restores also when the workload or the consumer throws.
 */
export async function runTracePass<W, R>(
  cfg: TracefsPassConfig,
  workload: () => Promise<W>,
  consume: (trace: Readable) => Promise<R>,
  opts: { root?: string } = {},
): Promise<{ workload: W; result: R; setup: PassSetupReport; restoreErrors: string[] }> {
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
    return { workload: w, result, setup: pass.setup, restoreErrors: pass.restore() };
  } finally {
    pass.restore(); // no-op after a successful restore above
  }
}
