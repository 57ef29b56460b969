// What a kernel git tree (`--kernel-tree PATH`) knows about the commits bundles name: the full
// sha, its commit date and `git describe` name, and the topological order of the lot. The rule
// that uses these lives in identity.ts; this module only asks git (argument arrays, no shell).
import { runTool } from '../system/run-tool.js';
import type { CommitFacts, TreeFacts } from './identity.js';
import { SHA } from './identity.js';

const GIT_TIMEOUT_MS = 120_000;

function git(tree: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  // safe.directory for this tree only: publish often runs as another user than the tree's owner.
  return runTool('git', ['-c', `safe.directory=${tree}`, '-C', tree, ...args], GIT_TIMEOUT_MS).then((r) => ({
    ok: r.started && r.exitCode === 0,
    out: r.stdout,
    err: r.stderr.trim() || r.error || '',
  }));
}

/** The full sha, commit date and describe name of `name` in the tree, or undefined when the tree lacks it. */
export async function commitFacts(tree: string, name: string): Promise<CommitFacts | undefined> {
  if (!SHA.test(name)) return undefined;
  const log = await git(tree, ['log', '-1', '--format=%H%x00%cI', `${name}^{commit}`, '--']);
  if (!log.ok) return undefined;
  const [commit, date] = log.out.trim().split('\0');
  if (!commit || !date) return undefined;
  const described = await git(tree, ['describe', '--tags', '--always', commit]);
  return { commit, date, ...(described.ok && described.out.trim() !== '' ? { describe: described.out.trim() } : {}) };
}

/**
 * Positions of the given full shas in the tree's topological order (ancestors first): `git
 * rev-list --topo-order --reverse` from the commits down to their common ancestor only, so a
 * series of rc's does not walk the whole history.
 */
export async function topologicalIndex(tree: string, commits: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(commits)].sort();
  const index = new Map<string, number>();
  if (unique.length === 0) return index;
  const base = unique.length === 1 ? { ok: true, out: unique[0]! } : await git(tree, ['merge-base', '--octopus', ...unique]);
  const stop = base.ok ? base.out.trim() : '';
  const args = ['rev-list', '--topo-order', '--reverse', ...unique, ...(SHA.test(stop) ? [`^${stop}`] : [])];
  const listed = await git(tree, args);
  if (!listed.ok) throw new Error(`git rev-list in ${tree}: ${listed.err}`);
  const wanted = new Set(unique);
  let position = 0;
  if (SHA.test(stop) && wanted.has(stop)) index.set(stop, position++);
  for (const line of listed.out.split('\n')) {
    if (wanted.has(line)) index.set(line, position);
    position++;
  }
  return index;
}

/** Everything a kernel tree tells about the commits named (abbreviated or full); names it lacks are left out. */
export async function readTreeFacts(tree: string, names: readonly string[]): Promise<TreeFacts> {
  const commits = new Map<string, CommitFacts>();
  for (const name of [...new Set(names)].sort()) {
    const facts = await commitFacts(tree, name);
    if (facts) commits.set(name, facts);
  }
  const topoIndex = await topologicalIndex(tree, [...new Set([...commits.values()].map((f) => f.commit))]);
  return { commits, topoIndex };
}
