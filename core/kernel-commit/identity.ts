// Which kernel commit a run measured, and the order of a series of runs (issue 14 item 2): the one
// place both rules are written. Pure: what git knows about a kernel tree comes in as data
// (`TreeFacts`, read by tree.ts), so `publish` and the tests apply the same rule.
//
// A run's commit, first found wins:
//   1. `dmabench run --commit SHA [--commit-date DATE]`, recorded in the manifest (`kernelCommit`);
//   2. the `-g<sha>` suffix CONFIG_LOCALVERSION_AUTO appends to the kernel release
//      (`6.19.0-rc3-00042-g1a2b3c4d5e6f`, `-dirty` after it when the tree had changes);
//   3. nothing: the run is placed by its kernel version or its date.
// A kernel tree (`--kernel-tree PATH`) completes what the run recorded: an abbreviated sha becomes
// the full one, with its commit date and `git describe` name.
//
// The order of a series, the first rule every run of it allows:
//   topology (every run's commit is in the given kernel tree) > commit date > kernel version >
//   run date. Ties (runs of one commit, one version) keep the order of their run dates, then ids.
import type { Manifest } from '../../model/bundle.js';

export type CommitSource = 'run' | 'release';

/** What a bundle says about the kernel commit it measured. */
export interface KernelCommit {
  /** A full or abbreviated sha, lower case. */
  commit: string;
  /** The commit date (ISO 8601) when the run recorded it or a kernel tree told. */
  date?: string;
  /** `git describe` of the commit, when a kernel tree told. */
  describe?: string;
  /** Where the commit came from. */
  source: CommitSource;
  /** The release says the tree had uncommitted changes (`-dirty`). */
  dirty?: boolean;
}

/** An abbreviated or full git object name. */
export const SHA = /^[0-9a-f]{7,64}$/;

/** CONFIG_LOCALVERSION_AUTO's scm suffix at the end of a release: `-g<sha>`, `-dirty` optionally after it. */
const RELEASE_SCM = /-g([0-9a-f]{7,64})(-dirty)?$/;

/** The commit in a CONFIG_LOCALVERSION_AUTO release (`…-g1a2b3c4d5e6f[-dirty]`), or undefined. */
export function releaseCommit(release: string): { commit: string; dirty: boolean } | undefined {
  const m = RELEASE_SCM.exec(release.trim());
  return m ? { commit: m[1]!, dirty: m[2] !== undefined } : undefined;
}

/** The kernel commit a bundle names: the one given at run time, else the release's `-g<sha>`. */
export function kernelCommitOf(manifest: Pick<Manifest, 'kernelCommit' | 'system' | 'lab'>): KernelCommit | undefined {
  const given = manifest.kernelCommit;
  if (given) return { commit: given.commit.toLowerCase(), ...(given.date === undefined ? {} : { date: given.date }), source: 'run' };
  const release = kernelReleaseOf(manifest);
  const fromRelease = release === undefined ? undefined : releaseCommit(release);
  return fromRelease && { commit: fromRelease.commit, source: 'release', ...(fromRelease.dirty ? { dirty: true } : {}) };
}

/** The kernel release a bundle ran on: the system state's, else the lab's record of what it booted. */
export function kernelReleaseOf(manifest: Pick<Manifest, 'system' | 'lab'>): string | undefined {
  return manifest.system?.kernel.release ?? manifest.lab?.kernel;
}

/** What a kernel tree knows about a commit (tree.ts). */
export interface CommitFacts {
  commit: string;
  date: string;
  describe?: string;
}

/** What a kernel tree told about the commits of a series: each name resolved, and their topological order. */
export interface TreeFacts {
  /** By the name a bundle used (abbreviated or full). */
  commits: ReadonlyMap<string, CommitFacts>;
  /** Position of each full sha in topological order (ancestors first). */
  topoIndex: ReadonlyMap<string, number>;
}

/** A bundle's commit completed by what a kernel tree knows of it (full sha, date, describe). */
export function withTreeFacts(commit: KernelCommit | undefined, tree: TreeFacts | undefined): KernelCommit | undefined {
  const facts = commit && tree?.commits.get(commit.commit);
  if (!commit || !facts) return commit;
  return { ...commit, commit: facts.commit, date: commit.date ?? facts.date, ...(facts.describe === undefined ? {} : { describe: facts.describe }) };
}

/** A kernel version from a release: `7.2.13+deb14-amd64` → [7, 2, 13, ∞]; `6.19.0-rc3-…` → [6, 19, 0, 3] (an rc before its release). */
export function kernelVersionKey(release: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:-rc(\d+))?/.exec(release);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), m[4] === undefined ? Number.POSITIVE_INFINITY : Number(m[4])];
}

/** Order of two kernelVersionKey results. */
export function compareVersionKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    // Compared, not subtracted: ∞ - ∞ (two releases that are no rc) is NaN.
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** One run as the order rule sees it. */
export interface OrderableRun {
  id: string;
  /** The run's start (the manifest's `startedAt`). */
  runDate: string;
  release?: string;
  commit?: KernelCommit;
}

export type SeriesOrderRule = 'topology' | 'commit date' | 'kernel version' | 'run date';

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The runs in series order and the rule that placed them (see the head comment). */
export function orderSeries<R extends OrderableRun>(runs: readonly R[], tree?: TreeFacts): { runs: R[]; rule: SeriesOrderRule } {
  const tie = (a: R, b: R): number => byString(a.runDate, b.runDate) || byString(a.id, b.id);
  const topo = (r: R): number | undefined => (r.commit && tree ? tree.topoIndex.get(r.commit.commit) : undefined);
  const epoch = (r: R): number => (r.commit?.date === undefined ? Number.NaN : Date.parse(r.commit.date));
  const version = (r: R): number[] | undefined => (r.release === undefined ? undefined : kernelVersionKey(r.release));
  let rule: SeriesOrderRule;
  let order: (a: R, b: R) => number;
  if (tree && runs.every((r) => topo(r) !== undefined)) {
    rule = 'topology';
    order = (a, b) => topo(a)! - topo(b)!;
  } else if (runs.every((r) => Number.isFinite(epoch(r)))) {
    rule = 'commit date';
    order = (a, b) => epoch(a) - epoch(b);
  } else if (runs.every((r) => version(r) !== undefined)) {
    rule = 'kernel version';
    order = (a, b) => compareVersionKeys(version(a)!, version(b)!);
  } else {
    rule = 'run date';
    order = () => 0;
  }
  return { runs: [...runs].sort((a, b) => order(a, b) || tie(a, b)), rule };
}
