// The git commit dmabench runs from, when it runs from a checkout of its own: what a manifest
// records (model/bundle.ts `dmabenchCommit`) so a reader can check out the code that made a bundle.
// Apart from core/version.ts, which everything imports (the CLI's error path too) and which must
// not pull in child processes.
import { realpath } from 'node:fs/promises';
import { packageRoot } from './version.js';
import { runTool } from './system/run-tool.js';

/** The git commit dmabench runs from, for the manifest: what a reader checks out to reproduce a bundle. */
export interface DmabenchCheckout {
  /** `git rev-parse HEAD`. */
  commit: string;
  /** Tracked files differ from that commit (absent when git could not say). */
  dirty?: boolean;
}

/**
 * The commit of the dmabench checkout at `root` (this package's by default), or undefined when it
 * is not a checkout of its own: no git, no repository, or a dmabench installed inside another
 * project's repository (whose HEAD says nothing about dmabench). dmabench often runs as root on a
 * checkout someone else owns, which git refuses to read by default ("dubious ownership"):
 * `safe.directory` is allowed for this one directory and these read-only commands only.
 */
export async function dmabenchCheckout(root: string = packageRoot): Promise<DmabenchCheckout | undefined> {
  const git = ['-c', `safe.directory=${root}`, '-C', root];
  const head = await runTool('git', [...git, 'rev-parse', '--show-toplevel', 'HEAD'], 10_000);
  if (head.exitCode !== 0) return undefined;
  const [toplevel, commit] = head.stdout.trim().split('\n');
  if (!toplevel || !commit || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) return undefined;
  if (!(await sameDirectory(toplevel, root))) return undefined;
  const status = await runTool('git', [...git, 'status', '--porcelain', '--untracked-files=no'], 10_000);
  return status.exitCode === 0 ? { commit, dirty: status.stdout.trim() !== '' } : { commit };
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}
