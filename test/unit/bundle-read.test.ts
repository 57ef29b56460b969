// Bundles are checked when read (core/bundle/read.ts against the schemas in model/): a mangled or
// foreign manifest or sample line is refused with its path, line and field (exit 2 from the CLI),
// never a TypeError in a report. The bundles are written by hand: their format is what is tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { oneErrorLine, runCli, withTempDir } from '../helpers/cli.js';
import { testManifest, writeTestBundle } from '../helpers/bundles.js';
import { isPlainSample } from '../../core/bundle/read.js';
import { sampleSchema } from '../../model/measurement.js';

test('a mangled or foreign bundle is bad input (2) naming the file, never a TypeError', async () => {
  await withTempDir('dmabench-badbundle-', async (dir) => {
    const good = path.join(dir, 'good');
    await writeTestBundle(good, 'good', [100, 101, 99]);
    const manifest = testManifest('x', { release: '6.12.0', mode: 'strict' });
    const cases: [string, (b: string) => Promise<void>, RegExp][] = [
      ['truncated manifest', (b) => writeFile(path.join(b, 'manifest.json'), JSON.stringify(manifest).slice(0, 60)), /manifest\.json: invalid JSON/],
      ['foreign JSON (a package.json)', (b) => writeFile(path.join(b, 'manifest.json'), JSON.stringify({ name: 'x', version: '1.0.0' })), /manifest\.json: not a dmabench manifest: schemaVersion: Required/],
      ['a JSON array', (b) => writeFile(path.join(b, 'manifest.json'), '[1,2]'), /manifest\.json: not a dmabench manifest: \(top level\): Expected object, received array/],
      ['system without kernel', (b) => writeFile(path.join(b, 'manifest.json'), JSON.stringify({ ...manifest, system: { ...manifest.system, kernel: undefined } })), /manifest\.json: not a dmabench manifest: system\.kernel: Required/],
      ['cells not a list', (b) => writeFile(path.join(b, 'manifest.json'), JSON.stringify({ ...manifest, cells: 'w:bs=64k' })), /manifest\.json: not a dmabench manifest: cells: Expected array/],
      ['a schema from the future', (b) => writeFile(path.join(b, 'manifest.json'), JSON.stringify({ ...manifest, schemaVersion: 9 })), /bundle schema version 9, this dmabench reads 1 and 2/],
      ['a sample line of another format', (b) => writeFile(path.join(b, 'samples.jsonl'), '{"hello":"world"}\n{"also":1}\n'), /samples\.jsonl:1: not a sample: workload: Required/],
      ['a sample value as text', async (b) => {
        const line = { workload: 'w', cell: 'w:bs=64k', rep: 0, pass: 'timed', tool: 'fio', metric: 'read.iops', value: '100', unit: 'IOPS', better: 'higher' };
        await writeFile(path.join(b, 'samples.jsonl'), JSON.stringify(line) + '\n' + JSON.stringify(line) + '\n');
      }, /samples\.jsonl:1: not a sample: value: Expected number, received string/],
      ['a sample with a negative repetition', async (b) => {
        const line = { workload: 'w', cell: 'w:bs=64k', rep: -1, pass: 'timed', tool: 'fio', metric: 'read.iops', value: 1, unit: 'IOPS', better: 'higher' };
        await writeFile(path.join(b, 'samples.jsonl'), `${JSON.stringify(line)}\n{}\n`);
      }, /samples\.jsonl:1: not a sample: rep: Number must be greater than or equal to 0/],
    ];
    for (const [what, mangle, message] of cases) {
      const bad = path.join(dir, what.replace(/\W+/g, '-'));
      await writeTestBundle(bad, 'bad', [90, 91, 89]);
      await mangle(bad);
      for (const cmd of [['compare', good, bad], ['report', good, bad, '--out', path.join(dir, 'x.html')], ['flamegraph', bad, '--cell', 'w:bs=64k', '--out', path.join(dir, 'x.svg')]]) {
        const r = await runCli(cmd);
        assert.equal(r.exitCode, 2, `${what} (${cmd[0]}): exit ${r.exitCode}: ${String(r.stderr)}`);
        const line = oneErrorLine(r.stderr);
        assert.ok(line.includes(bad), `${what}: names ${bad}: ${line}`);
        // flamegraph reads no samples.jsonl: for those cases it only has to fail cleanly.
        if (cmd[0] !== 'flamegraph' || !/sample/.test(what)) assert.match(line, message, what);
        assert.doesNotMatch(line, /TypeError|Cannot read prop/);
      }
    }
  });
});

test('the quick sample check accepts the usual samples and only what the schema accepts', () => {
  const good: Record<string, unknown> = {
    workload: 'w', cell: 'w:bs=64k', rep: 0, pass: 'timed', tool: 'fio', metric: 'read.iops', value: 1, unit: 'IOPS', better: 'higher',
  };
  const full = { ...good, pass: 'profile:ftrace', value: null, role: 'descriptive', bootId: 'b', order: 3, extra: { kept: true } };
  for (const sample of [good, full]) {
    assert.ok(isPlainSample(sample), JSON.stringify(sample));
    assert.ok(sampleSchema.safeParse(sample).success);
  }
  // Every field replaced by every kind of wrong value, and removed: the quick check never accepts
  // what zod refuses (it may refuse more: zod then decides).
  const wrong: unknown[] = [undefined, null, '', 'x', 'profile:', 'profile:\n', 'timed', -1, 1.5, 0, 7, Number.NaN, Infinity, true, {}, [], 'none', 'primary'];
  let checked = 0;
  for (const base of [good, full]) {
    for (const key of Object.keys(full)) {
      for (const value of wrong) {
        const mutated: Record<string, unknown> = { ...base, [key]: value };
        if (value === undefined) delete mutated[key];
        if (isPlainSample(mutated)) assert.ok(sampleSchema.safeParse(mutated).success, `quick check accepted ${key} = ${String(value)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 300);
  for (const notObject of [null, 1, 'sample', [good]]) assert.equal(isPlainSample(notObject), false);
});
