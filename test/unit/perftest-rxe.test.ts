import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setupSoftRoce, SoftRoceError } from '../../collectors/perftest/rxe.js';

// Only the refusal runs on this machine (no module loading, and creating links here would change
// the host); set-up and tear-down run for real in test/lab/lab-rdma.test.ts.
test('an RDMA device of the same name that is not ours is left alone and named in the error', async () => {
  const sys = mkdtempSync(path.join(os.tmpdir(), 'dmabench-rxe-'));
  try {
    // The sysfs layout of an rxe device bound to another netdev (as in the lab: rxe0 on veth0).
    mkdirSync(path.join(sys, 'class', 'infiniband', 'rxe0', 'ports', '1', 'gid_attrs', 'ndevs'), { recursive: true });
    writeFileSync(path.join(sys, 'class', 'infiniband', 'rxe0', 'ports', '1', 'gid_attrs', 'ndevs', '0'), 'veth0\n');
    const lines: string[] = [];
    await assert.rejects(setupSoftRoce('rxe0', { log: (l) => lines.push(l), sysRoot: sys }), (e: unknown) => e instanceof SoftRoceError && /rxe0 exists already \(netdev veth0\)/.test(e.message));
    assert.deepEqual(lines, []);
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});
