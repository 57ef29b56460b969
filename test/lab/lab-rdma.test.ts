// The RDMA collector end to end: ib_write_bw over Soft-RoCE (a veth pair the collector creates
// and removes inside the guest) on both lab kernels through the real CLI, bandwidth per size in
// both bundles, and perftest's raw outputs of both sides kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { readBundle } from '../../core/bundle/read.js';
import { parsePerftestText } from '../../collectors/perftest/parse.js';
import { PERFTEST_FILES } from '../../collectors/perftest/run.js';
import { assertRoot, buildOnce } from './helpers.js';

const sizes = [4096, 65536];

test('lab run: ib_write_bw over Soft-RoCE on 6.12 and 7 gives bandwidth per size in both bundles', { timeout: 25 * 60_000 }, async () => {
  assertRoot();
  await buildOnce();
  const out = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-rdma-'));
  try {
    const campaign = path.join(repoRoot, 'test', 'lab', 'campaigns', 'rdma-tiny.yaml');
    const r = await runCli(['lab', 'run', campaign, '--kernels', '6.12,7', '--iommu', 'strict', '--out', out, '--format', 'text'], { timeout: 25 * 60_000 });
    assert.equal(r.exitCode, 0, `${String(r.stdout)}\n${String(r.stderr)}`);
    const dirs = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    assert.equal(dirs.length, 2, `two bundles: ${dirs.join(', ')}`);
    const releases: string[] = [];
    for (const d of dirs) {
      const bundleDir = path.join(out, d);
      const bundle = await readBundle(bundleDir);
      assert.equal(bundle.manifest.status, 'complete');
      releases.push(bundle.manifest.system?.kernel.release ?? '');
      for (const size of sizes) {
        for (const metric of ['bw_avg', 'bw_peak', 'msg_rate']) {
          const samples = bundle.samples.filter((s) => s.metric === `size=${size}.${metric}` && s.pass === 'timed');
          assert.equal(samples.length, 2, `${d}: two timed size=${size}.${metric} samples`);
          for (const s of samples) {
            assert.equal(s.tool, 'ib_write_bw');
            assert.equal(s.unit, metric === 'msg_rate' ? 'Mpps' : 'MiB/s');
            assert.ok((s.value ?? 0) > 0, `${d}: size=${size}.${metric} = ${s.value}`);
          }
        }
      }
      // Each sample is the client's table in raw/, which sits beside the server's output.
      const cellDirs = await readdir(path.join(bundleDir, 'raw'));
      assert.equal(cellDirs.length, sizes.length);
      for (const cell of cellDirs) {
        const rep = path.join(bundleDir, 'raw', cell, 'timed-0');
        const client = parsePerftestText(await readFile(path.join(rep, PERFTEST_FILES.clientStdout), 'utf8'));
        const server = parsePerftestText(await readFile(path.join(rep, PERFTEST_FILES.serverStdout), 'utf8'));
        assert.equal(client.side, 'client');
        assert.equal(server.side, 'server');
        assert.equal(client.device, 'rxe0');
        assert.deepEqual(server.rows.map((x) => x.bytes), client.rows.map((x) => x.bytes));
        const sample = bundle.samples.find((s) => s.pass === 'timed' && s.rep === 0 && s.metric === `size=${client.rows[0]!.bytes}.bw_avg`);
        assert.equal(sample?.value, client.rows[0]!.bwAvg);
        assert.ok(existsSync(path.join(rep, PERFTEST_FILES.clientJson)), 'the client JSON is kept');
        assert.match(await readFile(path.join(rep, PERFTEST_FILES.version), 'utf8'), /Version: 6\./);
      }
    }
    assert.ok(releases.some((x) => x.startsWith('6.12.')) && releases.some((x) => x.startsWith('7.')), releases.join(', '));
    assert.match(String(r.stdout), /size=65536\.bw_avg/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
