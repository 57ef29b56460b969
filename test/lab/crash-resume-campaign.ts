// The campaign crash-resume-guest.ts runs in the lab guest, and what lab-crash-resume.test.ts
// expects of it (kept apart so the host test can import it without running the guest side).

/**
 * 3 cells × 16 repetitions of size-bound fio on a scratch file of the bundle. A repetition takes
 * about 1.3 s in a TCG guest on 7.2 on an idle host (3 s on a loaded one), and a run a few seconds
 * to start, so three runs crashed within 25 s of the first's start, 20 s of a resume's start or 10 s
 * after a resume's second new repetition (at most about 18 + 14 + 10 repetitions) cannot finish it.
 */
export const crashCampaign = `name: crash-resume
repetitions: 16
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 4M }
    matrix:
      rw: randread
      bs: [4k, 16k, 64k]
      iodepth: 1
      ioengine: psync
      size: 1m
`;
export const crashCampaignRepetitions = 3 * 16;

