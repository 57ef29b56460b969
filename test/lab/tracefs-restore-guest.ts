// Runs INSIDE a lab guest (compiled to dist/test/lab/, started by lab-tracefs-restore.test.ts):
// starts `dmabench run` on a campaign with an ftrace function profile pass, sends SIGINT while
// that pass is tracing, and checks that every tracefs file the pass changed reads as before.
// Prints one JSON line with what it saw; exits 0 only when tracefs is as found.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { sameTracefsSetting } from '../../collectors/ftrace/tracefs.js';

const T = '/sys/kernel/tracing';
const FILES = ['current_tracer', 'tracing_on', 'set_event', 'set_ftrace_filter', 'buffer_size_kb'];

function read(file: string): string {
  return readFileSync(path.join(T, file), 'utf8');
}
function snapshot(): Record<string, string> {
  return Object.fromEntries(FILES.map((f) => [f, read(f)]));
}
const campaign = `name: restore
repetitions: 1
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: device, path: /dev/nvme0n1 }
    matrix: { rw: randread, bs: 64k, iodepth: 8, ioengine: io_uring, runtime: 4 }
    profilers:
      - kind: ftrace
        options: { tracer: function, iommuEvents: true }
`;

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const before = snapshot();
writeFileSync('/tmp/restore.yaml', campaign);
const child = execa(process.execPath, [path.join(dist, 'cli', 'main.js'), 'run', '/tmp/restore.yaml', '--out', '/tmp/restore-bundle'], { reject: false, stdin: 'ignore' });
let during: Record<string, string> | undefined;
const deadline = Date.now() + 300_000;
while (Date.now() < deadline && child.exitCode === null) {
  // The pass is tracing: the function tracer is set and tracing is on.
  if (read('current_tracer').trim() === 'function' && read('tracing_on').trim() === '1') {
    during = snapshot();
    await sleep(500); // let fio be mid-run
    child.kill('SIGINT');
    break;
  }
  await sleep(20);
}
const result = await child;
const after = snapshot();
const fioLeft = (await execa('pgrep', ['-x', 'fio'], { reject: false })).stdout.trim();
const report = {
  sawTracePass: during !== undefined,
  changedDuringPass: during ? FILES.filter((f) => during![f] !== before[f]) : [],
  // Compared by meaning: a fresh boot's `7 (expanded: 1408)` reads 1410 once tracing expanded it.
  freshBuffer: /expanded:/.test(before['buffer_size_kb'] ?? ''),
  notRestored: FILES.filter((f) => !sameTracefsSetting(f, before[f], after[f])).map((f) => `${f}: ${JSON.stringify(before[f])} -> ${JSON.stringify(after[f])}`),
  dmabenchExit: result.exitCode ?? result.signal,
  fioLeft,
  bundleManifest: existsSync('/tmp/restore-bundle/manifest.json'),
};
process.stdout.write(`TRACEFS-RESTORE ${JSON.stringify(report)}\n`);
process.exit(report.sawTracePass && report.changedDuringPass.length > 0 && report.notRestored.length === 0 && fioLeft === '' ? 0 : 1);
