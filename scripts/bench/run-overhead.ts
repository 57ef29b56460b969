// dmabench's own overhead per repetition: wall time of a repetition minus the time fio itself
// ran (process start to exit). Runs a real campaign of 1-second fio cells on a scratch file.
// Usage: node --import tsx scripts/bench/run-overhead.ts [repetitions]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCampaign } from '../../runner/run.js';
import { collectSystemState } from '../../core/system/index.js';
import { Progress } from '../../runner/progress.js';
import { describe } from '../../reports/stats/descriptive.js';

const reps = Number(process.argv[2] ?? 10);
const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-overhead-'));
try {
  const file = path.join(dir, 'c.yaml');
  await writeFile(
    file,
    `name: overhead\nrepetitions: ${reps}\nwarmup: 0\nworkloads:\n  - name: rr\n    tool: fio\n    target: { kind: file, size: 16M }\n    matrix: { rw: randread, bs: 4k, iodepth: 1, ioengine: psync, runtime: 1 }\n`,
  );
  const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream);
  const result = await runCampaign({ campaignFile: file, outDir: path.join(dir, 'b'), progress: quiet, collectSystemState: (targets) => collectSystemState({ targets }) });
  const d = describe(result.overheadMs);
  console.log(`dmabench overhead per repetition over ${d.n} repetitions: median ${d.median?.toFixed(1)} ms, max ${d.max?.toFixed(1)} ms (goal < 50 ms)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
