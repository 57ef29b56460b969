// Exit codes a CI can act on (cli/errors.ts): 0 success, 1 regression or failed repetition, 2 bad
// input / refusal / missing tool, 3 internal error with its details in a file, 130 interrupted.
// The runs are real (fio on a temp file); the bundles for compare are written by hand (compare's
// contract is tested, not a tool's output). Mangled bundles: bundle-read.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { oneErrorLine, runCli, startCli, withTempDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { writeTestBundle } from '../helpers/bundles.js';
import { labRunExitCode } from '../../cli/commands/lab.js';

test('compare --alpha takes only (0, 1): 0 and 1 are bad input (2), not a regression (1)', async () => {
  await withTempDir('dmabench-exit-', async (dir) => {
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
    await writeTestBundle(a, 'a', [100, 101, 99, 100, 102]);
    await writeTestBundle(b, 'b', [100, 100, 101, 99, 100]);
    for (const alpha of ['1', '0', '-0.1', '1.5', 'x', '']) {
      const r = await runCli(['compare', a, b, '--alpha', alpha]);
      assert.equal(r.exitCode, 2, `--alpha ${alpha}: ${String(r.stderr)}`);
      assert.match(oneErrorLine(r.stderr), new RegExp(`--alpha must be a number greater than 0 and less than 1, got ?${alpha.replace('.', '\\.')}$`));
    }
    const ok = await runCli(['compare', a, b, '--alpha', '0.01', '--format', 'csv']);
    assert.equal(ok.exitCode, 0, String(ok.stderr));
  });
});

test('usage errors from the option parser exit 2, --help and --version 0', async () => {
  const unknown = await runCli(['compare', 'a', 'b', '--no-such-option']);
  assert.equal(unknown.exitCode, 2, String(unknown.stderr));
  assert.match(String(unknown.stderr), /unknown option '--no-such-option'/);
  const missingArg = await runCli(['run']);
  assert.equal(missingArg.exitCode, 2);
  assert.match(String(missingArg.stderr), /missing required argument 'campaign'/);
  const noCommand = await runCli([]);
  assert.equal(noCommand.exitCode, 2);
  assert.equal((await runCli(['--version'])).exitCode, 0);
  assert.equal((await runCli(['compare', '--help'])).exitCode, 0);
});

test('an internal error exits 3 with one line naming the file that holds the stack trace ($TMPDIR)', async () => {
  await withTempDir('dmabench-exit-', async (dir) => {
    // exitOnError is what the CLI calls with whatever escaped a command; a TypeError is a bug.
    const script = `import { exitOnError } from ${JSON.stringify(path.join(repoRoot, 'cli', 'errors.ts'))};
      function parseSomething() { return (undefined as unknown as { x: number }).x; }
      try { parseSomething(); } catch (e) { exitOnError(e); }`;
    const file = path.join(dir, 'bug.ts');
    await writeFile(file, script);
    const r = await execa(process.execPath, ['--import', 'tsx', file], { reject: false, cwd: repoRoot, env: { TMPDIR: dir } });
    assert.equal(r.exitCode, 3, String(r.stderr));
    const line = oneErrorLine(r.stderr);
    const m = /^dmabench: internal error: Cannot read properties of undefined \(reading 'x'\) \(details in (\S+); please report it\)$/.exec(line);
    assert.ok(m, line);
    assert.equal(path.dirname(m[1]!), dir, 'written under $TMPDIR');
    const details = await readFile(m[1]!, 'utf8');
    assert.match(details, /^dmabench \S+, node v/);
    assert.match(details, /TypeError: Cannot read properties of undefined/);
    assert.match(details, /at parseSomething \(.*bug\.ts:\d+:\d+\)/);
  });
});

test('a refused run is bad input (2): microbench here cannot load its module, or has no spare device', async () => {
  await withTempDir('dmabench-exit-', async (dir) => {
    const file = path.join(dir, 'm.yaml');
    await writeFile(file, 'name: m\nworkloads:\n  - name: w\n    tool: microbench\n    matrix: { api: sg, size: 64k, segs: 16, device: edu }\n');
    const r = await runCli(['run', file, '--out', path.join(dir, 'b')]);
    assert.equal(r.exitCode, 2, String(r.stderr));
    // Which refusal depends on the machine: no module loading (this VM), not root, no headers, no edu device.
    assert.match(oneErrorLine(r.stderr), /^dmabench: (microbench |device: edu, but no QEMU edu device)/);
    assert.equal(existsSync(path.join(dir, 'b')), false, 'refused before a bundle was made');
  });
});

const failingCampaign = `name: failing
repetitions: 2
warmup: 0
workloads:
  - name: slow
    tool: fio
    target: { kind: file, size: 16M }
    timeout: 1
    matrix: { rw: randread, bs: [4k, 8k, 16k], iodepth: 1, ioengine: psync, runtime: 4 }
`;

test('a run with failed repetitions exits 1; interrupted after failures it exits 130', async () => {
  await withTempDir('dmabench-exit-', async (dir) => {
    const file = path.join(dir, 'f.yaml');
    // Every repetition runs past its 1 s timeout: a failed repetition each.
    await writeFile(file, failingCampaign.replace('bs: [4k, 8k, 16k]', 'bs: 4k'));
    const failed = await runCli(['run', file, '--out', path.join(dir, 'a')]);
    assert.equal(failed.exitCode, 1, String(failed.stderr));
    assert.match(String(failed.stderr), /2 failed repetitions/);

    await writeFile(file, failingCampaign);
    const out = path.join(dir, 'b');
    const child = startCli(['run', file, '--out', out]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = await readFile(path.join(out, 'manifest.json'), 'utf8').catch(() => '');
      if (text && (JSON.parse(text) as { errors: unknown[] }).errors.length >= 1) break;
      assert.ok(Date.now() < deadline, 'a repetition failed within 60 s');
      await sleep(50);
    }
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, `interrupted wins over failed repetitions: ${String(r.stderr)}`);
  });
});

test('lab run passes the guests\' dmabench exit codes on; anything else is an internal error', () => {
  assert.equal(labRunExitCode([0, 0]), 0);
  assert.equal(labRunExitCode([0, 1]), 1);
  assert.equal(labRunExitCode([2, 1]), 2);
  assert.equal(labRunExitCode([130]), 130);
  assert.equal(labRunExitCode([0, 134]), 3);
});
