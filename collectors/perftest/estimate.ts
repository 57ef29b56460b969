// Rough seconds one ib_write_bw run takes, for `plan`, the ETA and our own deadlines. Soft-RoCE
// under TCG emulation moved 15-30 MiB/s in the lab; 10 MiB/s keeps the estimate on the safe side.
import type { PerftestParams } from './params.js';

const ASSUMED_BYTES_PER_SEC = 10 * 2 ** 20;
const PERFTEST_DEFAULT_ITERS = 5000;
/** perftest -a: sizes 2^1 .. 2^23. */
export const PERFTEST_ALL_SIZES = Array.from({ length: 23 }, (_, i) => 2 ** (i + 1));
/** perftest's -D mode measures between margins of 2 s (its -f default) at each end. */
const DURATION_MARGIN_SEC = 4;
const STARTUP_SEC = 2;
const RXE_SETUP_SEC = 1;

export function estimatePerftestSeconds(p: PerftestParams): number {
  const sizes = p.size === 'all' ? PERFTEST_ALL_SIZES : [p.size];
  let sec = STARTUP_SEC + (p.rxe ? RXE_SETUP_SEC : 0);
  for (const size of sizes) {
    if (p.duration !== undefined) sec += p.duration + DURATION_MARGIN_SEC;
    else sec += 0.2 + ((p.iterations ?? PERFTEST_DEFAULT_ITERS) * size * (p.bidirectional ? 2 : 1)) / ASSUMED_BYTES_PER_SEC;
  }
  return Math.ceil(sec);
}
