// How long parsing a ~50 MB fio json+ file takes (the parser must stay under 2 s).
// The file is built from real fio output: a 1-second two-job json+ run on a scratch file in a
// temp dir (or, without fio, the committed capture), whose job objects are repeated verbatim
// until the text reaches the target size. Nothing is written into the repository.
//
//   node --import tsx scripts/bench/fio-ingest.ts [--mb 50] [--runs 5]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { parseFioOutput } from '../../core/text/fio-output.js';
import { fioMeasurements } from '../../collectors/fio/metrics.js';
import { capture } from './captures.js';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '50' }, runs: { type: 'string', default: '5' } },
});
const targetBytes = Number(values.mb) * 1024 * 1024;
const runs = Math.max(1, Number(values.runs));

/** json+ text of a short real fio run, or the committed capture when fio cannot run. */
async function realJsonPlus(dir: string): Promise<{ text: string; from: string }> {
  const out = path.join(dir, 'seed.json');
  const r = await execa(
    'fio',
    [
      '--name=bench',
      `--filename=${path.join(dir, 'scratch.dat')}`,
      '--size=32M',
      '--rw=randread',
      '--bs=4k',
      '--ioengine=psync',
      '--direct=1',
      '--numjobs=2',
      '--runtime=1',
      '--time_based',
      '--output-format=json+',
      `--output=${out}`,
    ],
    { reject: false, stdin: 'ignore' },
  );
  if (r.exitCode === 0) return { text: await readFile(out, 'utf8'), from: 'a fresh 1 s fio run' };
  const file = capture('fio', 'numjobs2-per-job-3.33.json');
  return { text: await readFile(file, 'utf8'), from: file };
}

/** Repeat the job objects of fio's text (4-space-indented `{` ... `}` inside "jobs") verbatim. */
function inflate(text: string, bytes: number): string {
  const open = text.indexOf('  "jobs" : [\n');
  const firstJob = text.indexOf('\n    {\n', open) + 1;
  const close = text.indexOf('\n  ]', firstJob);
  if (open < 0 || firstJob <= 0 || close < 0) throw new Error('unexpected fio layout');
  const jobs = text.slice(firstJob, close); // "    {...},\n    {...}"
  const head = text.slice(0, firstJob);
  const tail = text.slice(close);
  const copies = Math.ceil(bytes / jobs.length);
  return head + Array.from({ length: copies }, () => jobs).join(',\n') + tail;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-fio-ingest-'));
try {
  const seed = await realJsonPlus(dir);
  const big = inflate(seed.text, targetBytes);
  const bigFile = path.join(dir, 'big.json');
  await writeFile(bigFile, big);

  const times: number[] = [];
  let jobs = 0;
  let metrics = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const text = await readFile(bigFile, 'utf8');
    const result = parseFioOutput(text, bigFile);
    const ms = fioMeasurements(result);
    times.push(performance.now() - t0);
    jobs = result.jobs.length;
    metrics = ms.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const mib = big.length / (1024 * 1024);
  console.log(`seed: ${seed.from}`);
  console.log(`file: ${mib.toFixed(1)} MiB json+, ${jobs} jobs, ${metrics} measurements (aggregated)`);
  console.log(`read+parse+measure over ${runs} runs: min ${times[0]!.toFixed(0)} ms, median ${median.toFixed(0)} ms (${(mib / (median / 1000)).toFixed(0)} MiB/s)`);
  console.log(median < 2000 ? 'OK: under the 2 s budget' : 'SLOW: over the 2 s budget');
  process.exitCode = median < 2000 ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
