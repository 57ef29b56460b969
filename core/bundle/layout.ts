// Where things live inside a run bundle (see schema.ts for the picture).
import path from 'node:path';
import type { PassKind } from '../../model/measurement.js';

export const MANIFEST_FILE = 'manifest.json';
export const SAMPLES_FILE = 'samples.jsonl';
export const CAMPAIGN_COPY_FILE = 'campaign.yaml';
/** A perf-record pass's stacks in FlameGraph's folded format (core/text/folded-stacks.ts): written by the collector, drawn by reports. */
export const STACKS_FOLDED_FILE = 'stacks.folded';
/** A repetition's latency histograms (model/latency-histogram.ts RepetitionHistograms, core/bundle/histograms.ts): written by the collector, read by reports. */
export const HISTOGRAMS_FILE = 'histograms.json';
/** fio's json+ result of a repetition (collectors/fio/run.ts writes it, core/text/fio-output.ts parses it): reports merge its completion-latency bins. */
export const FIO_OUTPUT_FILE = 'fio-output.json';

export function manifestPath(bundleDir: string): string {
  return path.join(bundleDir, MANIFEST_FILE);
}

export function samplesPath(bundleDir: string): string {
  return path.join(bundleDir, SAMPLES_FILE);
}

/** raw/<cell>/<pass>-<rep>; profile passes become e.g. profile-perf-stat-0. */
export function rawRepDir(bundleDir: string, cellDir: string, pass: PassKind, rep: number): string {
  return path.join(bundleDir, 'raw', cellDir, `${pass.replace(/[^A-Za-z0-9._-]/g, '-')}-${rep}`);
}

/** Key of a cell's pass in the manifest's `done` map: `${cell}|${pass}`. */
export function passKey(cell: string, pass: PassKind): string {
  return `${cell}|${pass}`;
}

export function scratchDir(bundleDir: string): string {
  return path.join(bundleDir, 'scratch');
}

/**
 * Where a file found in the scratch directory without a ledger entry is moved, untouched (a crash
 * between creating a scratch file and recording it leaves one): next to scratch/, not in it, so
 * the end-of-run clean-up of scratch/ never removes it.
 */
export function setAsideDir(scratch: string): string {
  return path.join(path.dirname(scratch), 'scratch-set-aside');
}

/** The ledger of files the run created itself (core/bundle/scratch.ts). */
export function ownedFilesLedger(scratch: string): string {
  return path.join(scratch, 'owned-files.json');
}
