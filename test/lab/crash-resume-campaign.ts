// The campaign crash-resume-guest.ts runs in the lab guest, and what lab-crash-resume.test.ts
// expects of it (kept apart so the host test can import it without running the guest side).

/** 3 cells × 8 repetitions of size-bound fio on a scratch file of the bundle: long enough for three crashes. */
export const crashCampaign = `name: crash-resume
repetitions: 8
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
export const crashCampaignRepetitions = 3 * 8;

