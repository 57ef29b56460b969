import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { probeTracefs, tracefsMountPoints } from '../../core/system/tracefs.js';
import { dmaFunctions } from '../../model/dma-functions.js';
import { parseMountinfo } from '../../core/system/mountinfo.js';

const root = process.getuid?.() === 0;

test('tracefs detection agrees with the mount table', async () => {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  // Read independently of the parser: the filesystem type follows the ' - ' separator.
  const tracefsLines = mountinfo.split('\n').filter((l) => / - (tracefs|debugfs) /.test(l));
  const info = await probeTracefs('/');
  assert.equal(info.mounted, tracefsLines.length > 0);
  if (info.path !== undefined) {
    const tracers = readFileSync(path.join(info.path, 'available_tracers'), 'utf8').trim().split(/\s+/);
    assert.deepEqual(info.tracers, tracers);
    assert.equal(info.functionTracer, tracers.includes('function'));
    assert.equal(info.functionGraphTracer, tracers.includes('function_graph'));
    assert.equal(info.instances, existsSync(path.join(info.path, 'instances')));
  }
});

test('the filter-function check matches a direct read, or names the read error', async () => {
  const info = await probeTracefs('/');
  if (info.path === undefined) return assert.equal(info.filterFunctionsReadable, false);
  let text: string | undefined;
  let code: string | undefined;
  try {
    text = readFileSync(path.join(info.path, 'available_filter_functions'), 'utf8');
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code;
  }
  assert.equal(info.filterFunctionsReadable, text !== undefined);
  if (text === undefined) assert.equal(info.filterFunctionsError, code);
  else assert.equal(info.dmaFunctionsAvailable.length + info.dmaFunctionsMissing.length, dmaFunctions.length);
});

test('a tracefs mounted at a new place is found there', { skip: !root && 'mounting needs root' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dmabench-tracefs-'));
  await execa('mount', ['-t', 'tracefs', 'nodev', dir]);
  try {
    const info = await probeTracefs('/');
    assert.ok(info.mountPoints.includes(dir), info.mountPoints.join(','));
    assert.equal(info.mounted, true);
    assert.ok(info.tracers.includes('nop'));
  } finally {
    await execa('umount', [dir]);
    rmdirSync(dir);
  }
});

test('mount points prefer /sys/kernel/tracing and include debugfs/tracing', () => {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = tracefsMountPoints(text);
  const entries = parseMountinfo(text);
  for (const e of entries.filter((m) => m.fsType === 'tracefs')) assert.ok(points.includes(e.mountPoint));
  if (points.includes('/sys/kernel/tracing')) assert.equal(points[0], '/sys/kernel/tracing');
});

test('mountinfo root entry parses with its device number', () => {
  const entries = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  const rootEntry = entries.find((e) => e.mountPoint === '/');
  assert.ok(rootEntry);
  assert.match(rootEntry.devno, /^\d+:\d+$/);
  assert.ok(rootEntry.fsType.length > 0);
});
