// `dmabench ingest FILE --tool perf-script --folded` against FlameGraph's stackcollapse-perf.pl on
// the same perf script text: whole processes, as a user runs them, from the built CLI (`npm run
// build` first). The input is the real capture test/fixtures/perf/script-system.txt repeated
// (whole copies) until it reaches each size, or a perf script file of your own (--input): the
// figure that counts is on a real system-wide capture (README, "Performance of dmabench itself"),
// whose many distinct stacks and lines a repeated small capture does not have:
//   perf record -a -g -F 999 -o /tmp/perf.data -- sleep 30
//   perf script -i /tmp/perf.data > /tmp/script.txt
//   node --import tsx scripts/bench/fold-vs-stackcollapse.ts PATH/TO/stackcollapse-perf.pl --input /tmp/script.txt
//
// For each input: `--pairs` pairs of runs, the two programs alternating which runs first; the
// outputs of the first pair must be identical byte for byte. Prints the median wall time of each,
// the ratio of the medians (and the median of the per-pair ratios), and each one's peak RSS (GNU
// time's maximum resident set size; n/a without /usr/bin/time). Exits 1 when the outputs differ or
// the ratio is below the goal (8×).
//
// Usage: node --import tsx scripts/bench/fold-vs-stackcollapse.ts PATH/TO/stackcollapse-perf.pl
//          [--mb 93,372] [--pairs 5] [--input FILE] [--keep]
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createWriteStream, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { capture } from './captures.js';
import { median } from '../../reports/stats/descriptive.js';

const GOAL = 8;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const GNU_TIME = '/usr/bin/time';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const script = process.argv[2];
if (script === undefined || script.startsWith('--')) {
  console.error('usage: fold-vs-stackcollapse.ts PATH/TO/stackcollapse-perf.pl [--mb 93,372] [--pairs 5] [--input FILE] [--keep]');
  process.exit(2);
}
const sizesMb = (option('mb') ?? '93,372').split(',').map(Number);
const pairs = Number(option('pairs') ?? '5');
const input = option('input');
const keep = process.argv.includes('--keep');

interface Run {
  seconds: number;
  /** Peak resident set size in MB, when GNU time could tell. */
  rssMb: number | undefined;
}

/** Runs `file args` with stdout to `out`, under GNU time when there is one. */
async function timed(file: string, args: string[], out: string, timeFile: string): Promise<Run> {
  const withTime = await access(GNU_TIME).then(
    () => true,
    () => false,
  );
  const [cmd, cmdArgs] = withTime ? [GNU_TIME, ['-f', '%M', '-o', timeFile, file, ...args]] : [file, args];
  const t0 = performance.now();
  const r = await execa(cmd, cmdArgs, { stdout: { file: out }, stderr: 'pipe', reject: false });
  const seconds = (performance.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).slice(0, 400)}`);
  const rssKb = withTime ? Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop()) : NaN;
  return { seconds, rssMb: Number.isFinite(rssKb) ? rssKb / 1024 : undefined };
}

/** The capture repeated (whole copies, so samples stay intact) until the file has `bytes`. */
async function writeRepeated(src: string, file: string, bytes: number): Promise<void> {
  const chunk = readFileSync(src);
  const out = createWriteStream(file);
  for (let written = 0; written < bytes; written += chunk.length) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

const fmtRss = (runs: Run[]): string => {
  const rss = runs.map((r) => r.rssMb).filter((x): x is number => x !== undefined);
  return rss.length === 0 ? 'n/a' : `${Math.max(...rss).toFixed(0)} MB`;
};

async function compareOn(file: string, dir: string): Promise<boolean> {
  const size = (await stat(file)).size;
  const ours: Run[] = [];
  const perl: Run[] = [];
  const oursOut = path.join(dir, 'ours.folded');
  const perlOut = path.join(dir, 'perl.folded');
  for (let i = 0; i < pairs; i++) {
    const runOurs = async (): Promise<void> => {
      ours.push(await timed(process.execPath, [cli, 'ingest', file, '--tool', 'perf-script', '--folded'], oursOut, path.join(dir, 'time-ours')));
    };
    const runPerl = async (): Promise<void> => {
      perl.push(await timed('perl', [script!, file], perlOut, path.join(dir, 'time-perl')));
    };
    if (i % 2 === 0) {
      await runOurs();
      await runPerl();
    } else {
      await runPerl();
      await runOurs();
    }
    if (i === 0) {
      const [a, b] = await Promise.all([readFile(oursOut), readFile(perlOut)]);
      if (!a.equals(b)) {
        const la = new Set(a.toString('latin1').split('\n'));
        const differing = b.toString('latin1').split('\n').filter((l) => !la.has(l)).length;
        console.log(`${path.basename(file)}: outputs DIFFER (${differing} of stackcollapse-perf.pl's lines not in ours)`);
        return false;
      }
    }
  }
  const mOurs = median(ours.map((r) => r.seconds)) ?? NaN;
  const mPerl = median(perl.map((r) => r.seconds)) ?? NaN;
  const ratio = mPerl / mOurs;
  const pairRatio = median(perl.map((p, i) => p.seconds / (ours[i]?.seconds ?? NaN))) ?? NaN;
  const ok = ratio >= GOAL;
  console.log(`  pairs (dmabench / stackcollapse-perf.pl, s): ${ours.map((r, i) => `${r.seconds.toFixed(2)}/${perl[i]?.seconds.toFixed(2)}`).join(' ')}`);
  console.log(
    `${ok ? 'ok  ' : 'SLOW'} ${(size / 1e6).toFixed(0)} MB: dmabench ${mOurs.toFixed(2)} s, stackcollapse-perf.pl ${mPerl.toFixed(2)} s ` +
      `(medians of ${pairs} pairs): ${ratio.toFixed(1)}× (per-pair median ${pairRatio.toFixed(1)}×, goal ≥ ${GOAL}×); ` +
      `peak RSS ${fmtRss(ours)} vs ${fmtRss(perl)}; output identical; load average ${loadavg()[0]?.toFixed(1)}`,
  );
  return ok;
}

await access(cli).catch(() => {
  console.error(`${cli} is missing: run npm run build first`);
  process.exit(2);
});
const perlVersion = (await execa('perl', ['-e', 'print $^V'])).stdout;
console.log(`stackcollapse-perf.pl: ${script} (perl ${perlVersion}); dmabench: node ${process.version} ${cli}`);
const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-fold-bench-'));
let failed = 0;
try {
  if (input !== undefined) {
    if (!(await compareOn(input, dir))) failed++;
  } else {
    for (const mb of sizesMb) {
      const file = path.join(dir, `script-system-x${mb}MB.txt`);
      await writeRepeated(capture('perf', 'script-system.txt'), file, mb * 1e6);
      if (!(await compareOn(file, dir))) failed++;
      if (!keep) await rm(file);
    }
  }
} finally {
  if (!keep) await rm(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
process.exitCode = failed === 0 ? 0 : 1;
