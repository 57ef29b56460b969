// tracefs snapshots for tests that change tracefs and must leave it as found. Settings compare by
// meaning (collectors/ftrace/tracefs.ts sameTracefsSetting), never as text: on a machine where
// tracing was never used since boot the first trace expands the ring buffer, and
// `7 (expanded: 1408)` then reads 1410 without anyone having changed the setting.
import assert from 'node:assert/strict';
import { readTracefsFile, sameTracefsSetting } from '../../collectors/ftrace/tracefs.js';

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
