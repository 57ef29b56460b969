// Whether an interrupted bundle may be completed here: by the same resolved campaign, on the same
// host, kernel build, command line and IOMMU mode it started on. Otherwise the samples of two
// systems would end up in one bundle whose manifest names only the first. A new boot of the same
// kernel is fine (the natural thing after a crash) and is recorded in the manifest's boots.
import type { BundleBoot, Manifest, SystemState } from '../model/bundle.js';
import { BUNDLE_SCHEMA_VERSION } from '../model/bundle.js';
import { campaignHash, firstDifference } from '../core/campaign/identity.js';
import { comparableCmdlineParams as comparableParams } from '../core/system/kernel.js';

function quote(text: string): string {
  return text.length > 60 ? `"${text.slice(0, 57)}..."` : `"${text}"`;
}

/** What differs between the system a bundle started on and this one, one short phrase each. */
export function systemDifferences(was: SystemState, now: SystemState): string[] {
  const diffs: string[] = [];
  if (was.hostname !== now.hostname) diffs.push(`host ${was.hostname} -> ${now.hostname}`);
  if (was.kernel.release !== now.kernel.release) {
    diffs.push(`kernel release ${was.kernel.release} -> ${now.kernel.release}`);
  } else if (was.kernel.build !== undefined ? was.kernel.build !== now.kernel.build : was.kernel.version !== now.kernel.version) {
    // Schema 1 bundles have no build: their /proc/version holds it.
    diffs.push(`kernel build ${quote(was.kernel.build ?? was.kernel.version)} -> ${quote((was.kernel.build !== undefined ? now.kernel.build : now.kernel.version) ?? '')}`);
  }
  const before = comparableParams(was.kernel.cmdline);
  const after = comparableParams(now.kernel.cmdline);
  const removed = before.filter((p) => !after.includes(p));
  const added = after.filter((p) => !before.includes(p));
  if (removed.length > 0 || added.length > 0) diffs.push(`command line ${[...removed.map((p) => `-${p}`), ...added.map((p) => `+${p}`)].join(' ')}`);
  // Bundles from before issue 11 recorded the box's most common group type, not the device's.
  const nowMode = was.iommu.modeOf === undefined ? (now.iommu.boxMode ?? now.iommu.mode) : now.iommu.mode;
  if (was.iommu.mode !== nowMode) diffs.push(`IOMMU mode ${was.iommu.mode} -> ${nowMode}`);
  return diffs;
}

/** Why `manifest`'s bundle cannot be completed by `campaign` on the system `now`; undefined when it can. */
export function resumeRefusal(manifest: Manifest, campaign: unknown, now: SystemState): string | undefined {
  if (manifest.status === 'complete') return 'it is already complete: nothing to resume';
  const recorded = manifest.campaignHash ?? campaignHash(manifest.campaign);
  const current = campaignHash(campaign);
  if (recorded !== current) {
    return `the campaign changed since the bundle started (${firstDifference(manifest.campaign, campaign) ?? `${recorded} -> ${current}`}): start a new bundle`;
  }
  if (!manifest.system) return 'the bundle records no system state to compare this machine with';
  const diffs = systemDifferences(manifest.system, now);
  if (diffs.length > 0) return `it was started on another system (${diffs.join('; ')}): resume it there, or start a new bundle`;
  return undefined;
}

/**
 * Brings a resumed manifest up to this schema and records this boot when it is a new one.
 * Returns the new boot, if any, for the log.
 */
export function recordResumeBoot(manifest: Manifest, campaign: unknown, now: SystemState, at: string): BundleBoot | undefined {
  manifest.schemaVersion = BUNDLE_SCHEMA_VERSION;
  manifest.campaignHash ??= campaignHash(campaign);
  const boots = (manifest.boots ??= manifest.system?.kernel.bootId ? [{ bootId: manifest.system.kernel.bootId, at: manifest.startedAt }] : []);
  const bootId = now.kernel.bootId;
  if (!bootId || boots.at(-1)?.bootId === bootId) return undefined;
  const boot = { bootId, at };
  boots.push(boot);
  return boot;
}
