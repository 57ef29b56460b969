// The campaign crash-resume-guest.ts runs in the lab guest, and what lab-crash-resume.test.ts
// expects of it (kept apart so the host test can import it without running the guest side).

/**
 * 3 cells × 12 repetitions of size-bound fio on a scratch file of the bundle. A repetition takes
 * about 3 s in a TCG guest on 7.2 (more on a loaded host), and a run 15 to 20 s to start, so three
 * runs crashed within 40 s of their start, or 10 s after their second new repetition, cannot finish it.
 */
export const crashCampaign = `name: crash-resume
repetitions: 12
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
export const crashCampaignRepetitions = 3 * 12;

