// A bundle as the site sees it: where it sits in a series (host, campaign, IOMMU setting) and what it measured
// (kernel release, commit), from its facts (bundle-facts.ts). The commit rule is
// core/kernel-commit/identity.ts's, not repeated here.
import { withTreeFacts, type KernelCommit, type OrderableRun, type TreeFacts } from '../../core/kernel-commit/identity.js';
import type { LoadedBundle } from '../../model/bundle.js';
import type { BundleFacts } from './bundle-facts.js';
import type { FoundBundle } from './scan.js';

export interface SiteRun extends OrderableRun {
  id: string;
  dir: string;
  label: string;
  host: string;
  campaign: string;
  release?: string;
  iommu?: string;
  cachingMode?: boolean;
  status: string;
  commit?: KernelCommit;
  /** The timed pass's primary values (analyse.ts). */
  primary: BundleFacts['primary'];
  /** The whole bundle, for the pages that show it (read on first call). */
  load: () => Promise<LoadedBundle>;
  inputHash: string;
}

/** The commits bundles name, for a kernel tree to resolve (tree.ts readTreeFacts). */
export function commitNames(found: readonly FoundBundle[]): string[] {
  return found.flatMap((f) => (f.facts.commit ? [f.facts.commit.commit] : []));
}

export function siteRun(found: FoundBundle, tree?: TreeFacts): SiteRun {
  const f = found.facts;
  const commit = withTreeFacts(f.commit, tree);
  return {
    id: found.id,
    dir: found.dir,
    label: f.label,
    host: f.host,
    campaign: f.campaign,
    runDate: f.runDate,
    status: f.status,
    ...(f.release === undefined ? {} : { release: f.release }),
    ...(f.iommu === undefined ? {} : { iommu: f.iommu }),
    ...(f.cachingMode === undefined ? {} : { cachingMode: f.cachingMode }),
    ...(commit === undefined ? {} : { commit }),
    primary: f.primary,
    load: found.load,
    inputHash: found.inputHash,
  };
}

/** What the site prints for a run's kernel: `7.2.13+deb14-amd64`, with the commit's describe or short sha when known. */
export function kernelText(run: Pick<SiteRun, 'release' | 'commit'>): string {
  const commit = run.commit ? (run.commit.describe ?? run.commit.commit.slice(0, 12)) : undefined;
  return [run.release ?? 'unknown kernel', commit === undefined ? undefined : `(${commit})`].filter(Boolean).join(' ');
}
