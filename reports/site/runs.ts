// A bundle as the site sees it: where it sits in a series (host, campaign) and what it measured
// (kernel release, commit). The commit rule is core/kernel-commit/identity.ts's, not repeated here.
import { kernelCommitOf, kernelReleaseOf, withTreeFacts, type KernelCommit, type OrderableRun, type TreeFacts } from '../../core/kernel-commit/identity.js';
import type { LoadedBundle } from '../../model/bundle.js';
import type { FoundBundle } from './scan.js';

export interface SiteRun extends OrderableRun {
  id: string;
  dir: string;
  label: string;
  host: string;
  campaign: string;
  release?: string;
  iommu?: string;
  status: string;
  commit?: KernelCommit;
  bundle: LoadedBundle;
  inputHash: string;
}

/** The campaign a bundle ran: its name, else the label (a bundle made by `ingest` has no campaign name). */
function campaignName(bundle: LoadedBundle): string {
  const name = (bundle.manifest.campaign as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : bundle.manifest.label;
}

/** The commits bundles name, for a kernel tree to resolve (tree.ts readTreeFacts). */
export function commitNames(found: readonly FoundBundle[]): string[] {
  return found.flatMap((f) => {
    const c = kernelCommitOf(f.bundle.manifest);
    return c ? [c.commit] : [];
  });
}

export function siteRun(found: FoundBundle, tree?: TreeFacts): SiteRun {
  const m = found.bundle.manifest;
  const release = kernelReleaseOf(m);
  const commit = withTreeFacts(kernelCommitOf(m), tree);
  const iommu = m.system?.iommu.mode ?? m.lab?.iommu;
  return {
    id: found.id,
    dir: found.dir,
    label: m.label,
    host: m.system?.hostname ?? 'unknown host',
    campaign: campaignName(found.bundle),
    runDate: m.startedAt,
    status: m.status,
    ...(release === undefined ? {} : { release }),
    ...(iommu === undefined ? {} : { iommu }),
    ...(commit === undefined ? {} : { commit }),
    bundle: found.bundle,
    inputHash: found.inputHash,
  };
}

/** What the site prints for a run's kernel: `7.2.13+deb14-amd64`, with the commit's describe or short sha when known. */
export function kernelText(run: Pick<SiteRun, 'release' | 'commit'>): string {
  const commit = run.commit ? (run.commit.describe ?? run.commit.commit.slice(0, 12)) : undefined;
  return [run.release ?? 'unknown kernel', commit === undefined ? undefined : `(${commit})`].filter(Boolean).join(' ');
}
