import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { probeTool, probeTools, TOOL_SPECS, type ToolSpec } from '../../core/system/tools.js';
import { parseFioVersion, parsePerfVersion } from '../../core/system/version-parsers.js';

const spec = (name: string): ToolSpec => {
  const s = TOOL_SPECS.find((t) => t.name === name);
  assert.ok(s, name);
  return s;
};

test('fio is found with the version `fio --version` prints', async () => {
  const { stdout } = await execa('fio', ['--version']);
  const info = await probeTool(spec('fio'));
  assert.equal(info.found, true);
  assert.equal(info.version, parseFioVersion(stdout));
  assert.match(info.version ?? '', /^\d+\.\d+/);
});

test('perf is found with the version `perf --version` prints', async () => {
  const { stdout } = await execa('perf', ['--version']);
  const info = await probeTool(spec('perf'));
  assert.equal(info.found, true);
  assert.equal(info.version, parsePerfVersion(stdout));
  assert.match(info.version ?? '', /^\d+\.\d+/);
});

test('ib_write_bw exits non-zero on --version but its version is still read', async () => {
  const run = await execa('ib_write_bw', ['--version'], { reject: false });
  assert.notEqual(run.exitCode, 0);
  const info = await probeTool(spec('ib_write_bw'));
  assert.equal(info.found, true);
  assert.match(info.version ?? '', /^\d+\.\d+/);
});

test('a missing tool is a finding, not an exception', async () => {
  const info = await probeTool({ ...spec('fio'), name: 'dmabench-no-such-tool' });
  assert.deepEqual(info, { found: false });
});

test('a tool whose output has no version is found with a problem', async () => {
  // `true` prints nothing: found, no version, and the reason says so.
  const info = await probeTool({ ...spec('fio'), name: 'true' });
  assert.equal(info.found, true);
  assert.equal(info.version, undefined);
  assert.match(info.problem ?? '', /no version/);
});

// How long it takes is a figure of scripts/bench/system-state.ts, not an assertion here.
test('probeTools reports every tool of TOOL_SPECS', async () => {
  const tools = await probeTools();
  assert.deepEqual(Object.keys(tools), TOOL_SPECS.map((s) => s.name));
  for (const [name, info] of Object.entries(tools)) {
    if (info.found) assert.ok(info.path?.endsWith(`/${name}`), name);
  }
});
