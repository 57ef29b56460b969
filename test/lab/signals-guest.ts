// Runs INSIDE a lab guest (compiled to dist/test/lab/, started by lab-signals.test.ts): the
// microbench's teardown on signals, which only a machine that loads modules can show. For each of
// "two SIGINTs" and "one SIGHUP": start `dmabench run` on a microbench campaign (QEMU's edu
// device), wait until dma_bench is loaded and edu bound to it, send the signal(s), and check that
// dmabench exits 130, the bundle is incomplete, dma_bench is unloaded, edu is bound to nothing of
// ours and its driver_override is cleared. Prints one JSON line; exits 0 only when all held.
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { resolvePciDevice } from '../../collectors/microbench/device.js';
import { GUEST_CLI } from '../../lab/guest-cli.js';

const campaign = `name: signals
repetitions: 3
warmup: 0
workloads:
  - name: map
    tool: microbench
    matrix: { api: sg, size: 64k, segs: 16, layout: scattered, dir: to_device, threads: 1, iters: 200000, warmup: 10, device: edu }
`;

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bdf = await resolvePciDevice('edu');
const deviceDir = `/sys/bus/pci/devices/${bdf}`;

function driverOf(): string {
  try {
    return path.basename(readlinkSync(path.join(deviceDir, 'driver')));
  } catch {
    return '(none)';
  }
}

/** What the module and the device look like now. */
function state(): { moduleLoaded: boolean; driver: string; driverOverride: string } {
  return {
    moduleLoaded: existsSync('/sys/module/dma_bench'),
    driver: driverOf(),
    driverOverride: readFileSync(path.join(deviceDir, 'driver_override'), 'utf8').trim(),
  };
}

async function scenario(name: string, signals: NodeJS.Signals[]) {
  const before = state();
  const out = `/tmp/signals-${name}`;
  writeFileSync('/tmp/signals.yaml', campaign);
  const child = execa(process.execPath, [path.join(dist, '..', GUEST_CLI), 'run', '/tmp/signals.yaml', '--out', out], { reject: false, stdin: 'ignore' });
  let borrowed = false;
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const s = state();
    if (s.moduleLoaded && s.driver === 'dma_bench') {
      borrowed = true;
      break;
    }
    await sleep(50);
  }
  await sleep(500); // a request is in the module now
  // Each further signal goes once the first is acknowledged: dmabench is then tearing down.
  let stderr = '';
  const acknowledged = new Promise<void>((resolve) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(': stopping;')) resolve();
    });
  });
  for (const [i, sig] of signals.entries()) {
    child.kill(sig);
    if (i === 0) await Promise.race([acknowledged, sleep(30_000)]);
  }
  const r = await child;
  const after = state();
  const manifest = existsSync(`${out}/manifest.json`) ? (JSON.parse(readFileSync(`${out}/manifest.json`, 'utf8')) as { status: string; interruptedBy?: string }) : undefined;
  const ok =
    borrowed &&
    r.exitCode === 130 &&
    manifest?.status === 'incomplete' &&
    !after.moduleLoaded &&
    after.driver !== 'dma_bench' &&
    after.driverOverride === before.driverOverride;
  return {
    name,
    borrowed,
    exitCode: r.exitCode ?? r.signal,
    status: manifest?.status,
    interruptedBy: manifest?.interruptedBy,
    before,
    after,
    escalated: /again: killing every child process now/.test(String(r.stderr)),
    stderrTail: String(r.stderr).split('\n').slice(-6),
    ok,
  };
}

const results = [await scenario('sigint-twice', ['SIGINT', 'SIGINT']), await scenario('sighup', ['SIGHUP'])];
const fioOrTee = (await execa('pgrep', ['-x', 'tee'], { reject: false })).stdout.trim();
process.stdout.write(`SIGNALS-GUEST ${JSON.stringify({ bdf, results, teeLeft: fioOrTee })}\n`);
process.exit(results.every((r) => r.ok) && fioOrTee === '' ? 0 : 1);
