// tracefs snapshots for tests that change tracefs and must leave it as found. Settings compare by
// meaning (collectors/ftrace/tracefs.ts sameTracefsSetting), never as text: on a machine where
// tracing was never used since boot the first trace expands the ring buffer, and
// `7 (expanded: 1408)` then reads 1410 without anyone having changed the setting.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { INSTANCE_PREFIX, readTracefsFile, sameTracefsSetting } from '../../collectors/ftrace/tracefs.js';

export type TracefsSnapshot = Record<string, string | null>;

/** What each file reads now; unreadable files as null. */
export function tracefsSnapshot(root: string, files: Iterable<string>): TracefsSnapshot {
  return Object.fromEntries([...files].map((f) => [f, readTracefsFile(root, f) ?? null]));
}

/** The files whose settings differ between two snapshots, as `file: before -> after`. */
export function tracefsDifferences(before: TracefsSnapshot, after: TracefsSnapshot): string[] {
  const files = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return files
    .filter((f) => !sameTracefsSetting(f, before[f] ?? undefined, after[f] ?? undefined))
    .map((f) => `${f}: ${JSON.stringify(before[f])} -> ${JSON.stringify(after[f])}`);
}

/** Asserts that `after` holds the same settings as `before`. */
export function assertSameTracefs(after: TracefsSnapshot, before: TracefsSnapshot, message?: string): void {
  assert.deepEqual(tracefsDifferences(before, after), [], message);
}

/**
 * Every setting of the global instance a pass could disturb (or that would leak into an instance):
 * its tracer, switches, filters, pids, cpumask, clock, buffer size, every option, the events the
 * tests use, and the instances that are not dmabench's. Files this kernel lacks read as null.
 */
export function globalTracefsSnapshot(root: string): TracefsSnapshot {
  const files = [
    'current_tracer',
    'tracing_on',
    'set_event',
    'set_ftrace_filter',
    'set_ftrace_notrace',
    'set_ftrace_pid',
    'set_event_pid',
    'set_graph_function',
    'set_graph_notrace',
    'max_graph_depth',
    'tracing_cpumask',
    'trace_clock',
    'buffer_size_kb',
    'trace_options',
    'events/syscalls/sys_enter_read/enable',
    'events/syscalls/sys_enter_read/filter',
    'events/iommu/map/enable',
    'events/block/block_rq_issue/enable',
    'events/block/block_rq_issue/filter',
  ];
  let options: string[] = [];
  try {
    options = fs.readdirSync(path.join(root, 'options')).map((o) => `options/${o}`);
  } catch {
    // no options directory
  }
  const snap = tracefsSnapshot(root, [...files, ...options]);
  let instances: string[] = [];
  try {
    instances = fs.readdirSync(path.join(root, 'instances')).filter((n) => !n.startsWith(INSTANCE_PREFIX));
  } catch {
    // no instances
  }
  snap['instances (not dmabench)'] = instances.sort().join(' ');
  return snap;
}

/** dmabench instances that exist now. */
export function dmabenchInstances(root: string): string[] {
  try {
    return fs.readdirSync(path.join(root, 'instances')).filter((n) => n.startsWith(INSTANCE_PREFIX)).sort();
  } catch {
    return [];
  }
}

/**
 * Proof that the global trace buffer is not cleared: a marker written to the global trace_marker
 * (when global tracing is on, so it is recorded), or else the global `trace` text itself.
 */
export interface GlobalBufferProof {
  marker?: string;
  text?: string;
}

export function markGlobalBuffer(root: string): GlobalBufferProof {
  if (readTracefsFile(root, 'tracing_on')?.trim() === '1') {
    const marker = `dmabench-test-marker-${process.pid}-${Date.now()}`;
    fs.appendFileSync(path.join(root, 'trace_marker'), marker);
    return { marker };
  }
  return { text: readTracefsFile(root, 'trace') ?? '' };
}

export function assertGlobalBufferKept(root: string, proof: GlobalBufferProof): void {
  const now = readTracefsFile(root, 'trace') ?? '';
  if (proof.marker !== undefined) assert.ok(now.includes(proof.marker), `the global trace buffer lost ${proof.marker}`);
  else assert.equal(now, proof.text, 'the global trace buffer changed');
}
